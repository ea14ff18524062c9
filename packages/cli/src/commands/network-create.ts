import { unary } from '@ce/protocol';
import type { Network } from '@ce/protocol/gen/ce/network/v1/network';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { networkCreateRequest, type NetworkCreateFlags } from '../network-create-request.js';
import { collect } from '../output.js';

export function registerNetworkCreate(network: Command, connect: () => Connection): void {
  network
    .command('create')
    .description('Create a network')
    .usage('[OPTIONS] NETWORK')
    .argument('<network>')
    .option('--attachable', 'Enable manual container attachment')
    .option('--aux-address <map>', 'Auxiliary IPv4 or IPv6 addresses used by Network driver', collect, [])
    .option('-d, --driver <string>', 'Driver to manage the Network', 'bridge')
    .option('--gateway <strings>', 'IPv4 or IPv6 Gateway for the master subnet', collect, [])
    .option('--internal', 'Restrict external access to the network')
    .option('--ip-range <strings>', 'Allocate container ip from a sub-range', collect, [])
    .option('--ipam-driver <string>', 'IP Address Management Driver', 'default')
    .option('--ipam-opt <map>', 'Set IPAM driver specific options', collect, [])
    .option('--ipv6', 'Enable IPv6 networking')
    .option('--label <list>', 'Set metadata on a network', collect, [])
    .option('-o, --opt <map>', 'Set driver specific options', collect, [])
    .option('--subnet <strings>', 'Subnet in CIDR format that represents a network segment', collect, [])
    .action(async (name: string, opts: NetworkCreateFlags) => {
      let request;
      try {
        request = networkCreateRequest(name, opts);
      } catch (err) {
        // docker prints its own checks of the flags without the daemon's prefix.
        throw new CliExit(1, (err as Error).message);
      }
      const conn = connect();
      let created: Network;
      try {
        created = await unary<Network>((cb) => conn.networks.create(request, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      process.stdout.write(`${created.id}\n`);
    });
}
