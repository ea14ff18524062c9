import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { inspectObjects, type InspectOptions } from './inspect.js';

export function registerNetworkInspect(network: Command, connect: () => Connection): void {
  network
    .command('inspect')
    .description('Display detailed information on one or more networks')
    .usage('[OPTIONS] NETWORK [NETWORK...]')
    .argument('<network...>')
    .option('-f, --format <string>', 'Format the output using the given Go template')
    // Docker's verbose adds swarm services and peers; ce's networks are local.
    .option('-v, --verbose', 'Verbose output for diagnostics')
    .action(async (refs: string[], opts: InspectOptions) => inspectObjects(connect(), refs, { format: opts.format, type: 'network' }));
}
