// `ce network …`: docker network's commands over ced's ce.network.v1.Networks.
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { registerNetworkConnect } from './network-connect.js';
import { registerNetworkCreate } from './network-create.js';
import { registerNetworkDisconnect } from './network-disconnect.js';
import { registerNetworkInspect } from './network-inspect.js';
import { registerNetworkLs } from './network-ls.js';
import { registerNetworkPrune } from './network-prune.js';
import { registerNetworkRm } from './network-rm.js';

export function registerNetwork(program: Command, connect: () => Connection): void {
  const network = program.command('network').description('Manage networks').usage('COMMAND');
  registerNetworkConnect(network, connect);
  registerNetworkCreate(network, connect);
  registerNetworkDisconnect(network, connect);
  registerNetworkInspect(network, connect);
  registerNetworkLs(network, connect);
  registerNetworkPrune(network, connect);
  registerNetworkRm(network, connect);
  for (const cmd of network.commands) cmd.exitOverride();
  network.exitOverride();
}
