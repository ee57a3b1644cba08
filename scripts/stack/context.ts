/** What every stack step needs: the topology, the state folder layout and a way to report progress. */
import type { Topology } from '@brigadeiro/topology';
import type { StackPaths } from './layout';

export interface StackContext {
  t: Topology;
  p: StackPaths;
  /** One progress line for the person watching (stderr, so --json output stays clean). */
  say: (line: string) => void;
}

/** A component's state as `status` reports it. */
export type ComponentState = 'running' | 'stopped' | 'unhealthy';
