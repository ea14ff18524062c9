// portmap 1.1.1 leaves its own chains in the nat table (and the jumps to them)
// after its last DEL; a test that made them takes them away.
import { execFileSync } from 'node:child_process';

export const PORTMAP_CHAINS = ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ'];

export const natRules = () => execFileSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' });

/** Whether portmap's chains exist already: someone else's, which a test must leave alone. */
export const portmapChainsExist = () => PORTMAP_CHAINS.some((c) => natRules().includes(`-N ${c}\n`));

/**
 * Removes portmap's per-container chains (CNI-DN-…) that publish `hostPort`, with the jumps to them, and
 * returns their names: what a teardown should have removed, so a test that finds any fails after cleaning up.
 */
export function removeLeftoverPortChains(hostPort: number): string[] {
  const rules = natRules().split('\n');
  const chains = [...new Set(rules.filter((r) => r.startsWith('-A CNI-DN-') && r.includes(`--dport ${hostPort} `)).map((r) => r.split(' ')[1]!))];
  for (const chain of chains) {
    for (const rule of rules) {
      if (rule.startsWith('-A ') && rule.endsWith(` -j ${chain}`)) execFileSync('sh', ['-c', `iptables -w -t nat -D ${rule.slice(3)}`]);
    }
    execFileSync('iptables', ['-w', '-t', 'nat', '-F', chain]);
    execFileSync('iptables', ['-w', '-t', 'nat', '-X', chain]);
  }
  return chains;
}

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
