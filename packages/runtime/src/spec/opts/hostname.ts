import type { SpecOpt } from './spec-opt.js';

/** The hostname of the container's UTS namespace. */
export function withHostname(hostname: string): SpecOpt {
  return (spec) => {
    spec.hostname = hostname;
  };
}
