// iptables as ce drives it: one iptables-save to read the tables, one
// iptables-restore --noflush per change, each table's lines one transaction
// (the nf_tables backend commits a table at its COMMIT line).
import type { CommandRunner } from './command.js';
import type { Rule, Table } from './rules.js';

export interface TableState {
  chains: Set<string>;
  /** Built-in chain → its policy (ACCEPT, DROP). */
  policies: Map<string, string>;
  /** Each rule as `-A <chain> <args>`, in order. */
  rules: string[];
}

export type Snapshot = Map<Table, TableState>;

export const BUILTIN_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

export function parseSave(text: string): Snapshot {
  const snapshot: Snapshot = new Map();
  let table: TableState | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      table = { chains: new Set(), policies: new Map(), rules: [] };
      snapshot.set(line.slice(1).trim() as Table, table);
    } else if (!table) {
      continue;
    } else if (line.startsWith(':')) {
      const [chain, policy] = line.slice(1).split(' ');
      table.chains.add(chain!);
      if (policy && policy !== '-') table.policies.set(chain!, policy);
    } else if (line.startsWith('-A ')) {
      table.rules.push(line.trimEnd());
    }
  }
  return snapshot;
}

export function hasRule(s: Snapshot, r: Rule): boolean {
  return s.get(r.table)?.rules.includes(`-A ${r.chain} ${r.args}`) ?? false;
}

export function hasChain(s: Snapshot, table: Table, chain: string): boolean {
  return s.get(table)?.chains.has(chain) ?? false;
}

/** One table's part of a restore file: new chains, then the commands. */
export interface TableBatch {
  newChains: string[];
  lines: string[];
  /** Built-in chain → the policy to set. */
  policies?: Map<string, string>;
}

export function restoreText(batches: ReadonlyMap<Table, TableBatch>): string {
  let text = '';
  for (const [table, batch] of batches) {
    if (batch.newChains.length === 0 && batch.lines.length === 0 && !batch.policies?.size) continue;
    text += `*${table}\n`;
    for (const [chain, policy] of batch.policies ?? []) text += `:${chain} ${policy} [0:0]\n`;
    for (const chain of batch.newChains) text += `:${chain} - [0:0]\n`;
    for (const line of batch.lines) text += `${line}\n`;
    text += 'COMMIT\n';
  }
  return text;
}

export class Iptables {
  constructor(private readonly runner: CommandRunner) {}

  async save(): Promise<Snapshot> {
    return parseSave(await this.runner.run(['iptables-save']));
  }

  async restore(batches: ReadonlyMap<Table, TableBatch>): Promise<void> {
    const text = restoreText(batches);
    if (text) await this.runner.run(['iptables-restore', '-w', '--noflush'], text);
  }
}
