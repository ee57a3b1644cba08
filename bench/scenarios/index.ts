/**
 * Every scenario, in the order `all` runs them. Baselines come first: the others divide by its figures.
 * Fault tolerance comes last: it kills the PostgreSQL primary (and brings it back as a replica).
 */
import { baselines } from './baselines';
import { checkout } from './checkout';
import { concurrency } from './concurrency';
import { faulttolerance } from './faulttolerance';
import { scalability } from './scalability';
import type { Scenario } from './types';
import { usermix } from './usermix';

export const SCENARIOS: Scenario[] = [baselines, concurrency, scalability, checkout, usermix, faulttolerance];
