// For tests whose bridge has no firewall rules of its own (a NetworkManager
// built without a firewall, a CNI list without the firewall plugin): with
// br_netfilter loaded and net.bridge.bridge-nf-call-iptables on, frames
// between two ports of one bridge pass the filter FORWARD chain, whose policy
// a running ced or dockerd has set to DROP. The rule accepts that bridge's
// own traffic for the test's time; the comment lets the leak check find one
// left behind.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const TEST_RULE_COMMENT = 'ce test: bridge forwarding';

/**
 * Inserts `FORWARD -i <bridge> -o <bridge> -j ACCEPT`; returns what deletes it
 * again. Without iptables on the host there is no such policy to get past.
 */
export function acceptBridgeForwarding(bridge) {
  if (!['/usr/sbin/iptables', '/sbin/iptables'].some((p) => existsSync(p))) return () => {};
  const rule = ['FORWARD', '-i', bridge, '-o', bridge, '-m', 'comment', '--comment', TEST_RULE_COMMENT, '-j', 'ACCEPT'];
  execFileSync('iptables', ['-w', '-I', ...rule]);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    execFileSync('iptables', ['-w', '-D', ...rule]);
  };
}
