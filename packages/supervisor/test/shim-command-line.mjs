// ce-shim's command line as the supervisor spawns it (spawn-shim.ts), for the test shims that stand in for it.
import { parseArgs } from 'node:util';

export function shimCommandLine() {
  return parseArgs({
    options: {
      id: { type: 'string' },
      host: { type: 'boolean', default: false },
      socket: { type: 'string' },
      'runtime-root': { type: 'string' },
      log: { type: 'string' },
      'log-level': { type: 'string' },
      'ready-fd': { type: 'string' },
    },
    strict: true,
  }).values;
}
