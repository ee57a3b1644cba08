/**
 * Every scenario, in the order `all` runs them. Baselines come first: the others divide by its figures.
 * Checkout, user mix and fault tolerance (seed 004 §7) plug in here once the pedidos chain exists.
 */
import { baselines } from './baselines';
import { concurrency } from './concurrency';
import { scalability } from './scalability';
import type { Scenario } from './types';

export const SCENARIOS: Scenario[] = [baselines, concurrency, scalability];
