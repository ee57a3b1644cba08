// vega-lite's types are reachable only through its package "exports", which this repo's
// moduleResolution ("node") does not read; this declares the one function the bench uses.
declare module 'vega-lite' {
  export function compile(spec: unknown): { spec: import('vega').Spec };
}
