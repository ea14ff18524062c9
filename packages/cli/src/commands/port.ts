import { isCeError, unary } from '@ce/protocol';
import type { Container } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { allPortLines, privatePortLines, type NetworkPorts } from '../port-mappings.js';

export function registerPort(program: Command, connect: () => Connection): void {
  program
    .command('port')
    .description('List port mappings or a specific mapping for the container')
    .usage('CONTAINER [PRIVATE_PORT[/PROTO]]')
    .argument('<container>')
    .argument('[private_port]')
    .action(async (ref: string, privatePort: string | undefined) => {
      const conn = connect();
      let container: Container;
      try {
        container = await unary<Container>((cb) => conn.containers.inspect({ id: ref }, cb), conn.target);
      } catch (err) {
        // docker's client words a missing container itself.
        throw new CliExit(1, isCeError(err, 'NotFound') ? `Error: No such container: ${ref}` : daemonErrorMessage(err, conn.target));
      }
      const ports = (JSON.parse(container.json) as { NetworkSettings?: { Ports?: NetworkPorts } }).NetworkSettings?.Ports;
      try {
        process.stdout.write(privatePort === undefined ? allPortLines(ports) : privatePortLines(ports, privatePort, ref));
      } catch (err) {
        throw new CliExit(1, (err as Error).message);
      }
    });
}
