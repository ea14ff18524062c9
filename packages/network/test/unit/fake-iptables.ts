// An in-memory iptables for unit tests: iptables-save prints it,
// iptables-restore --noflush changes it, one table per transaction as the
// nf_tables backend commits. `failOn` makes a table's batch fail.
import type { CommandRunner } from '../../src/firewall/command.js';
import type { Sysctls } from '../../src/firewall/sysctls.js';

const BUILTIN: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

type Tables = Map<string, Map<string, string[]>>;

export class FakeIptables implements CommandRunner {
  tables: Tables = new Map();
  /** `table:chain` → policy of a built-in chain (ACCEPT when absent). */
  policies = new Map<string, string>();
  restores: string[] = [];
  failOn?: (table: string, line: string) => boolean;

  async run(argv: readonly string[], input = ''): Promise<string> {
    if (argv[0] === 'iptables-save') return this.save();
    if (argv[0] === 'iptables-restore' && argv.includes('--noflush')) {
      this.restores.push(input);
      this.restore(input);
      return '';
    }
    throw new Error(`fake iptables: unexpected ${argv.join(' ')}`);
  }

  save(): string {
    let out = '';
    for (const [name, chains] of this.tables) {
      out += `*${name}\n`;
      for (const chain of chains.keys()) out += `:${chain} ${BUILTIN[name]!.includes(chain) ? (this.policies.get(`${name}:${chain}`) ?? 'ACCEPT') : '-'} [0:0]\n`;
      for (const [chain, rules] of chains) for (const r of rules) out += `-A ${chain} ${r}\n`;
      out += 'COMMIT\n';
    }
    return out;
  }

  /** Every rule, `table -A chain args`. */
  rules(): string[] {
    return [...this.tables].flatMap(([t, chains]) => [...chains].flatMap(([chain, rules]) => rules.map((r) => `${t} -A ${chain} ${r}`)));
  }

  userChains(): string[] {
    return [...this.tables].flatMap(([t, chains]) => [...chains.keys()].filter((c) => !BUILTIN[t]!.includes(c)).map((c) => `${t}:${c}`));
  }

  private restore(input: string): void {
    let name = '';
    let work: Map<string, string[]> | undefined;
    for (const line of input.split('\n')) {
      if (!line) continue;
      if (line.startsWith('*')) {
        name = line.slice(1);
        const current = this.tables.get(name) ?? new Map(BUILTIN[name]!.map((c) => [c, [] as string[]]));
        work = new Map([...current].map(([c, r]) => [c, [...r]]));
        continue;
      }
      if (!work) throw new Error('no table');
      if (line === 'COMMIT') {
        this.tables.set(name, work);
        work = undefined;
        continue;
      }
      if (this.failOn?.(name, line)) throw new Error(`iptables-restore: line failed: ${line}`);
      const chainOf = (c: string) => {
        const rules = work!.get(c);
        if (!rules) throw new Error(`iptables-restore: no chain ${c}`);
        return rules;
      };
      if (line.startsWith(':')) {
        const [chain, policy] = line.slice(1).split(' ');
        if (BUILTIN[name]!.includes(chain!)) this.policies.set(`${name}:${chain}`, policy!);
        else work.set(chain!, []);
      } else {
        const [op, chain, ...rest] = line.split(' ');
        const rules = chainOf(chain!);
        if (op === '-A') rules.push(rest.join(' '));
        else if (op === '-I') rules.splice(Number(rest[0]) - 1, 0, rest.slice(1).join(' '));
        else if (op === '-D') {
          const i = rules.indexOf(rest.join(' '));
          if (i < 0) throw new Error(`iptables-restore: no rule ${line}`);
          rules.splice(i, 1);
        } else if (op === '-F') rules.length = 0;
        else if (op === '-X') work.delete(chain!);
        else throw new Error(`fake iptables: unknown ${line}`);
      }
    }
  }
}

export class FakeSysctls implements Sysctls {
  values = new Map<string, string>();
  async read(path: string): Promise<string | null> {
    return this.values.get(path) ?? null;
  }
  async write(path: string, value: string): Promise<void> {
    if (!this.values.has(path)) throw new Error(`no sysctl ${path}`);
    this.values.set(path, value);
  }
}
