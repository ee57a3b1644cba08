/**
 * stack.json: what the stack in this BRIGADEIRO_HOME was started with, so `status` and `stop` see the
 * same ports and carrinho scale as `start` did even when run with a different environment.
 */
import fs from 'node:fs';
import { type PortName, type Topology, loadTopology } from '@brigadeiro/topology';
import { type StackPaths, stackPaths } from './layout';

export interface StackState {
  carrinhoInstances: number;
  ports: Record<PortName, number>;
  startedAt: string;
  /** The orchestrator's PID (in foreground mode it is the process following the logs). */
  orchestratorPid: number;
  detached: boolean;
}

export function readState(p: StackPaths): StackState | undefined {
  try {
    return JSON.parse(fs.readFileSync(p.stateFile, 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

export function writeState(p: StackPaths, t: Topology, detached: boolean): void {
  const s: StackState = {
    carrinhoInstances: t.carrinhoInstances,
    ports: t.ports,
    startedAt: new Date().toISOString(),
    orchestratorPid: process.pid,
    detached,
  };
  fs.writeFileSync(p.stateFile, JSON.stringify(s, null, 2) + '\n');
}

/**
 * The topology for `start`: the carrinho scale (from --scale, else BRIGADEIRO_CARRINHO_INSTANCES) is put
 * in the environment before loadTopology() so it is the one source for every consumer.
 */
export function topologyForStart(scale: number | undefined): Topology {
  if (scale !== undefined) process.env.BRIGADEIRO_CARRINHO_INSTANCES = String(scale);
  return loadTopology();
}

/** The topology of the stack that was started in this BRIGADEIRO_HOME (its remembered scale and ports). */
export function topologyOfRunningStack(): Topology {
  const t = loadTopology();
  const saved = readState(stackPaths(t));
  if (!saved) return t;
  process.env.BRIGADEIRO_CARRINHO_INSTANCES = String(saved.carrinhoInstances);
  return { ...loadTopology(), ports: { ...t.ports, ...saved.ports } };
}
