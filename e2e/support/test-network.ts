// Each test daemon gets its own default bridge, subnets and firewall chains,
// so that daemons never share (or break) the host's, and removes them when
// it is disposed of: ced leaves its bridges and rules when it stops, as dockerd does.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IptablesFirewall } from '../../packages/network/dist/index.js';

let daemons = 0;
let live = 0;

/**
 * What ced changes on the host as dockerd does (forwarding on, bridged
 * traffic through iptables, and the FORWARD policy to DROP when forwarding was
 * off): recorded when the first test daemon of this process starts and put
 * back when the last is disposed of, so a test run leaves the host as it found it.
 */
const HOST_SYSCTLS = ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/bridge/bridge-nf-call-iptables'];
let hostBefore: { sysctls: Map<string, string>; forwardPolicy: string } | undefined;

function recordHost(): void {
  const sysctls = new Map<string, string>();
  for (const path of HOST_SYSCTLS) if (existsSync(path)) sysctls.set(path, readFileSync(path, 'utf8').trim());
  const forwardPolicy = /^-P FORWARD (\w+)/m.exec(execFileSync('iptables', ['-S', 'FORWARD'], { encoding: 'utf8' }))?.[1] ?? 'ACCEPT';
  hostBefore = { sysctls, forwardPolicy };
}

function restoreHost(): void {
  if (!hostBefore) return;
  execFileSync('iptables', ['-P', 'FORWARD', hostBefore.forwardPolicy]);
  for (const [path, value] of hostBefore.sysctls) writeFileSync(path, `${value}\n`);
  hostBefore = undefined;
}

export interface TestNetwork {
  /** ced's flags: -b, --bip, --default-address-pool, --network-chain-prefix. */
  args: string[];
  bridge: string;
  /** The default bridge's subnet (x.y.z.0/24). */
  subnet: string;
  chainPrefix: string;
  /** Removes the bridges the daemon made (recorded under its root) and its chains. */
  cleanup(root: string): Promise<void>;
}

export function testNetwork(): TestNetwork {
  if (live++ === 0) recordHost();
  const k = daemons++ % 16;
  const tag = `${(process.pid % 46656).toString(36)}${k.toString(36)}`;
  const octet = 100 + (process.pid % 100);
  const bridge = `cet${tag}`;
  // CE…: the leak check looks for chains of that name.
  const chainPrefix = `CET${tag}`.toUpperCase();
  const subnet = `10.${octet}.${k * 16}.0/24`;
  return {
    args: ['-b', bridge, '--bip', `10.${octet}.${k * 16}.1/24`, '--default-address-pool', `base=10.${octet}.${k * 16 + 8}.0/21,size=24`, '--network-chain-prefix', chainPrefix],
    bridge,
    subnet,
    chainPrefix,
    async cleanup(root: string) {
      const networksDir = join(root, 'network', 'networks');
      const bridges = new Set([bridge]);
      if (existsSync(networksDir)) {
        for (const file of readdirSync(networksDir).filter((f) => f.endsWith('.json'))) {
          try {
            const device = (JSON.parse(readFileSync(join(networksDir, file), 'utf8')) as { bridge?: string }).bridge;
            if (device) bridges.add(device);
          } catch {
            // a torn file: its bridge, if any, is found by the leak check
          }
        }
      }
      for (const device of bridges) {
        try {
          execFileSync('ip', ['link', 'del', device], { stdio: 'ignore' });
        } catch {
          // not there
        }
      }
      await new IptablesFirewall({ chainPrefix }).reset();
      if (--live === 0) restoreHost();
    },
  };
}
