// ced's networking: @ce/network's manager over the kernel (rtnetlink), the
// firewall (iptables, unless --iptables=false), the embedded DNS servers and
// the port reservations, configured from dockerd's flags.
import { join } from 'node:path';
import {
  EmbeddedDns,
  IptablesFirewall,
  NetworkManager,
  netlinkLinkOps,
  pinnedNetns,
  SocketPortReserver,
  type Firewall,
} from '@ce/network';
import type { Logger } from '@ce/protocol';
import type { NetworkConfig } from '../config.js';

export interface Networking {
  readonly manager: NetworkManager;
  readonly dns: EmbeddedDns;
  /** The default bridge's gateway: what --add-host's host-gateway stands for. */
  readonly hostGatewayIp: string | undefined;
  close(): Promise<void>;
}

/** --iptables=false: containers are bridged and addressed, nothing is filtered, translated or published. */
const NO_FIREWALL: Firewall = {
  async init() {},
  async addNetwork() {},
  async removeNetwork() {},
  async addPortMappings() {},
  async removePortMappings() {},
  async listPortMappings() {
    return [];
  },
  async reset() {},
};

export async function openNetworking(config: NetworkConfig, dirs: { root: string; state: string }, logger: Logger): Promise<Networking> {
  const links = netlinkLinkOps();
  const dns = new EmbeddedDns({});
  const firewall = config.iptables ? new IptablesFirewall({ chainPrefix: config.chainPrefix }) : NO_FIREWALL;
  const manager = new NetworkManager({
    links,
    netns: pinnedNetns(),
    firewall,
    dns,
    ports: new SocketPortReserver(),
    stateDir: join(dirs.root, 'network'),
    netnsDir: join(dirs.state, 'netns'),
    defaultBridge: { device: config.bridge, bip: config.bip, mtu: config.mtu },
    addressPools: config.addressPools,
    cni: { ...(config.cniConfigDir ? { confDir: config.cniConfigDir } : {}), ...(config.cniBinDirs ? { binDirs: config.cniBinDirs } : {}) },
    log: logger,
  });
  try {
    await manager.init();
  } catch (err) {
    await dns.close();
    links.close();
    throw err;
  }
  return {
    manager,
    dns,
    hostGatewayIp: config.bridge === 'none' ? undefined : config.bip.split('/')[0],
    async close() {
      await dns.close();
      links.close();
    },
  };
}
