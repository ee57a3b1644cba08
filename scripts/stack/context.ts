/** What every stack step needs: the topology, the state folder layout and a way to report progress. */
import type { Topology } from '@brigadeiro/topology';
import { type StackPaths, stackPaths } from './layout';

export interface StackContext {
  t: Topology;
  p: StackPaths;
  /** One progress line for the person watching (stderr, so --json output stays clean). */
  say: (line: string) => void;
}

/** The context for `t`'s state folder; by default each progress line goes to stderr. */
export function stackContext(t: Topology, say: (line: string) => void = (line) => process.stderr.write(line + '\n')): StackContext {
  return { t, p: stackPaths(t), say };
}

/** A component's state as `status` reports it. */
export type ComponentState = 'running' | 'stopped' | 'unhealthy';
