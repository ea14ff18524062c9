// portmap 1.1.1 leaves its own chains in the nat table (and the jumps to them)
// after its last DEL; a test that made them takes them away.
import { execFileSync } from 'node:child_process';

export const PORTMAP_CHAINS = ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ'];

export const natRules = () => execFileSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' });

/** Whether portmap's chains exist already: someone else's, which a test must leave alone. */
export const portmapChainsExist = () => PORTMAP_CHAINS.some((c) => natRules().includes(`-N ${c}\n`));

/** The jumps to portmap's chains from the built-in ones, then the chains. */
export function removePortmapChains(): void {
  for (const rule of natRules().split('\n')) {
    const jump = / -j (CNI-HOSTPORT-[A-Z]+)$/.exec(rule);
    if (rule.startsWith('-A ') && jump && !rule.startsWith('-A CNI-')) {
      // iptables -S quotes its comments as a shell would.
      execFileSync('sh', ['-c', `iptables -w -t nat -D ${rule.slice(3)}`]);
    }
  }
  for (const chain of PORTMAP_CHAINS) {
    for (const op of ['-F', '-X']) {
      try {
        execFileSync('iptables', ['-w', '-t', 'nat', op, chain], { stdio: 'ignore' });
      } catch {
        // not made
      }
    }
  }
}
