/**
 * How big each run is. `full` keeps `all` well under 15 minutes on 2 cores; `quick` is for the smoke
 * test and for trying things while others use the machine (a few seconds of load in all).
 */
export interface Sizes {
  /** Repetitions of each measurement; the report shows the median. */
  reps: number;
  /** Pairs of adjacent runs behind each target ratio (bench/lib/paired.ts); even, so each order counts the same. */
  ratioReps: number;
  /** Baselines and ratio runs: ab -k -c <c> bounded by -n and -t. */
  ratioRun: { requests: number; concurrency: number; seconds: number };
  /** The seed's command (000 §5.3), run as is (no keep-alive): ab -n 1000 -c 100. */
  seed: { requests: number; concurrency: number; seconds: number };
  /** Larger n and c than the seed, without keep-alive as the seed: the latency-against-load curve. */
  ladder: { requests: number; concurrency: number }[];
  ladderSeconds: number;
  /** autocannon runs (Express baseline for cart ratios, cart adds). */
  cannon: { connections: number; seconds: number; amount: number };
  /** Carts created before each cart measurement and products used per cart. */
  carts: number;
  productsPerCart: number;
  redis: { requests: number; clients: number };
  pgbench: { scale: number; clients: number; seconds?: number; transactions?: number };
  /** Checkout: closed-loop clients, bounded by seconds and by prepared carts (one order each). */
  /** Checkout: `ladder` client counts below `workers` run `ladderSeconds` each (latency off); `workers` is the top step and the ratio run. */
  checkout: { products: number; ladder: number[]; ladderSeconds: number; workers: number; seconds: number; carts: number; seedWorkers: number; seedSeconds: number; seedCarts: number };
  /** User mix (seed 004 §7), users as arrivals (bench/scenarios/usermix.ts: one action per user per second). */
  usermix: {
    baselineUsers: number;
    moderateUsers: number;
    highUsers: number;
    seconds: number;
    spikeUsers: [number, number];
    spikeSeconds: [number, number, number];
    stressUsers: number[];
    stressSeconds: number;
    stressPauseMs: number;
    /** Carts made before each run: empty ones to add to, and ones holding an item to check out. */
    openCarts: number;
    filledCarts: number;
    /** Bench products the adds and checkouts spread over. */
    products: number;
  };
  /** Upper bound on scripts/failover.sh --load --rejoin. */
  failoverSeconds: number;
}

export const FULL: Sizes = {
  reps: 3,
  ratioReps: 8,
  ratioRun: { requests: 300_000, concurrency: 64, seconds: 2 },
  seed: { requests: 1000, concurrency: 100, seconds: 30 },
  ladder: [
    { requests: 2000, concurrency: 1 },
    { requests: 5000, concurrency: 10 },
    { requests: 5000, concurrency: 50 },
    { requests: 5000, concurrency: 100 },
    { requests: 10_000, concurrency: 200 },
    { requests: 10_000, concurrency: 400 },
  ],
  ladderSeconds: 8,
  cannon: { connections: 64, seconds: 2, amount: 200_000 },
  carts: 400,
  productsPerCart: 10,
  redis: { requests: 100_000, clients: 50 },
  pgbench: { scale: 1, clients: 8, seconds: 5 },
  checkout: { products: 50, ladder: [1, 2, 4, 8, 16], ladderSeconds: 6, workers: 32, seconds: 8, carts: 2500, seedWorkers: 64, seedSeconds: 8, seedCarts: 600 },
  usermix: {
    baselineUsers: 10,
    moderateUsers: 100,
    highUsers: 500,
    seconds: 8,
    spikeUsers: [10, 200],
    spikeSeconds: [6, 12, 6],
    stressUsers: [100, 200, 500, 1000, 1500, 2000, 3000, 4000],
    stressSeconds: 8,
    stressPauseMs: 2000,
    openCarts: 50,
    filledCarts: 30,
    products: 20,
  },
  failoverSeconds: 180,
};

export const QUICK: Sizes = {
  reps: 1,
  ratioReps: 2,
  ratioRun: { requests: 300, concurrency: 8, seconds: 2 },
  seed: { requests: 100, concurrency: 10, seconds: 5 },
  ladder: [
    { requests: 50, concurrency: 1 },
    { requests: 100, concurrency: 10 },
  ],
  ladderSeconds: 3,
  cannon: { connections: 4, seconds: 1, amount: 100 },
  carts: 5,
  productsPerCart: 2,
  redis: { requests: 1000, clients: 4 },
  pgbench: { scale: 1, clients: 2, transactions: 50 },
  checkout: { products: 2, ladder: [1], ladderSeconds: 1, workers: 2, seconds: 1, carts: 6, seedWorkers: 2, seedSeconds: 2, seedCarts: 2 },
  usermix: {
    baselineUsers: 2,
    moderateUsers: 5,
    highUsers: 10,
    seconds: 1,
    spikeUsers: [5, 20],
    spikeSeconds: [1, 1, 1],
    stressUsers: [10, 20],
    stressSeconds: 1,
    stressPauseMs: 100,
    openCarts: 3,
    filledCarts: 3,
    products: 2,
  },
  failoverSeconds: 120,
};
