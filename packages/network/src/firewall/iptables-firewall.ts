// The Firewall over iptables (decision 0036): ce's rules live in ce's own
// chains (CE, CE-FORWARD, CE-POSTROUTING, CE-ISOLATION-1/2 for the default
// prefix), reached by jumps from FORWARD, PREROUTING, OUTPUT and POSTROUTING;
// every change reads the tables once (iptables-save) and applies only what
// is missing or present (iptables-restore --noflush), so each call is
// idempotent and a repeated call never programs a rule twice.
import { failedPrecondition } from '@ce/protocol/errors';
import type { Firewall, FirewallNetwork, PortMapping } from '../firewall.js';
import { commandRunner, type CommandRunner } from './command.js';
import { BUILTIN_CHAINS, hasChain, hasRule, Iptables, type Snapshot, type TableBatch } from './iptables.js';
import {
  baseRules,
  chainsByTable,
  chainsFor,
  containerPortRules,
  networkRules,
  parseDnatRule,
  portMappingRules,
  ruleKey,
  type Chains,
  type Rule,
  type Table,
} from './rules.js';
import { procSysctls, type Sysctls } from './sysctls.js';

export interface IptablesFirewallOptions {
  /** Prefix of ce's chains (default 'CE'); tests and test daemons use their own. */
  chainPrefix?: string;
  /** A pinned network namespace to program instead of ced's own (tests). */
  netns?: string;
  /** The iptables tools' runner (default: spawn, through nsenter with `netns`). */
  runner?: CommandRunner;
  sysctls?: Sysctls;
}

const IP_FORWARD = 'net/ipv4/ip_forward';
/** Settings the firewall turns on, as dockerd does: forwarding, and bridged traffic through iptables (icc off and hairpin need it). */
const FORWARDING_SYSCTLS = [IP_FORWARD, 'net/bridge/bridge-nf-call-iptables'];
/** The key of the FORWARD policy among the settings changed. */
export const FORWARD_POLICY = 'iptables filter FORWARD policy';

export class IptablesFirewall implements Firewall {
  readonly chains: Chains;
  private readonly iptables: Iptables;
  private readonly sysctls: Sysctls;
  private readonly changedSettings = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: IptablesFirewallOptions = {}) {
    this.chains = chainsFor(opts.chainPrefix ?? 'CE');
    const runner = opts.runner ?? commandRunner(opts.netns);
    this.iptables = new Iptables(runner);
    this.sysctls = opts.sysctls ?? procSysctls(opts.netns, runner);
  }

  /**
   * Also turns forwarding on as dockerd does: when it was off, the host routed
   * nothing, so the filter FORWARD policy becomes DROP first and only ce's
   * accepts let traffic through (dockerd's setupIPForwarding).
   */
  init(): Promise<void> {
    return this.serial(async () => {
      await this.ensure([]);
      if ((await this.sysctls.read(IP_FORWARD)) === '0') {
        const policy = (await this.iptables.save()).get('filter')?.policies.get('FORWARD') ?? 'ACCEPT';
        if (policy !== 'DROP') {
          await this.setForwardPolicy('DROP');
          if (!this.changedSettings.has(FORWARD_POLICY)) this.changedSettings.set(FORWARD_POLICY, policy);
        }
      }
      for (const path of FORWARDING_SYSCTLS) {
        const before = await this.sysctls.read(path);
        // br_netfilter absent: bridged traffic skips iptables and there is nothing to turn on.
        if (before === null || before === '1') continue;
        await this.sysctls.write(path, '1');
        if (!this.changedSettings.has(path)) this.changedSettings.set(path, before);
      }
    });
  }

  /** The host settings init() changed, with their values before (e.g. {'net/ipv4/ip_forward': '0', [FORWARD_POLICY]: 'ACCEPT'}). */
  previousHostSettings(): Record<string, string> {
    return Object.fromEntries(this.changedSettings);
  }

  /** Puts back what init() changed (tests; ced leaves forwarding on, as dockerd does). */
  async restoreHostSettings(): Promise<void> {
    for (const [key, value] of [...this.changedSettings].reverse()) {
      if (key === FORWARD_POLICY) await this.serial(() => this.setForwardPolicy(value));
      else await this.sysctls.write(key, value);
    }
    this.changedSettings.clear();
  }

  private setForwardPolicy(policy: string): Promise<void> {
    return this.iptables.restore(new Map([['filter', { newChains: [], lines: [], policies: new Map([['FORWARD', policy]]) }]]));
  }

  addNetwork(net: FirewallNetwork): Promise<void> {
    return this.serial(async () => {
      const rules = networkRules(this.chains, net);
      if (!net.internal) {
        // A published port reached on 127.0.0.1 leaves for the bridge with a loopback source; the kernel routes that only with route_localnet.
        const path = `net/ipv4/conf/${net.bridge}/route_localnet`;
        if ((await this.sysctls.read(path)) === null) throw failedPrecondition(`bridge ${net.bridge} does not exist`);
        await this.sysctls.write(path, '1');
      }
      await this.ensure(rules);
    });
  }

  removeNetwork(net: FirewallNetwork): Promise<void> {
    return this.serial(async () => this.remove(await this.iptables.save(), networkRules(this.chains, net)));
  }

  addPortMappings(mappings: readonly PortMapping[]): Promise<void> {
    return this.serial(() => this.ensure(mappings.flatMap((m) => portMappingRules(this.chains, m))));
  }

  removePortMappings(mappings: readonly PortMapping[]): Promise<void> {
    return this.serial(async () => {
      const snapshot = await this.iptables.save();
      const leaving = new Set(mappings.map((m) => ruleKey(portMappingRules(this.chains, m)[0]!)));
      const staying = this.mappingsIn(snapshot).filter((m) => !leaving.has(ruleKey(portMappingRules(this.chains, m)[0]!)));
      // Two host ports of one container port share its ACCEPT and hairpin rules: they go with the last.
      const shared = new Set(staying.flatMap((m) => containerPortRules(this.chains, m)).map(ruleKey));
      const rules = mappings.flatMap((m) => portMappingRules(this.chains, m)).filter((r) => !shared.has(ruleKey(r)));
      await this.remove(snapshot, rules);
    });
  }

  listPortMappings(): Promise<PortMapping[]> {
    return this.serial(async () => this.mappingsIn(await this.iptables.save()));
  }

  reset(): Promise<void> {
    return this.serial(async () => {
      const snapshot = await this.iptables.save();
      const batches = new Map<Table, TableBatch>();
      for (const [table, chains] of Object.entries(chainsByTable(this.chains)) as Array<[Table, string[]]>) {
        const state = snapshot.get(table);
        if (!state) continue;
        const ours = chains.filter((c) => state.chains.has(c));
        const jumps = state.rules.filter((line) => {
          const [, chain] = line.split(' ');
          const target = / -[jg] (\S+)/.exec(line)?.[1];
          return BUILTIN_CHAINS.has(chain!) && target !== undefined && ours.includes(target);
        });
        batches.set(table, {
          newChains: [],
          lines: [...jumps.map((line) => `-D${line.slice(2)}`), ...ours.map((c) => `-F ${c}`), ...ours.map((c) => `-X ${c}`)],
        });
      }
      await this.iptables.restore(batches);
    });
  }

  private mappingsIn(snapshot: Snapshot): PortMapping[] {
    const prefix = `-A ${this.chains.ports} `;
    return (snapshot.get('nat')?.rules ?? [])
      .filter((line) => line.startsWith(prefix))
      .map((line) => parseDnatRule(line.slice(prefix.length)))
      .filter((m): m is PortMapping => m !== null);
  }

  /** Adds the chains, jumps and `rules` that are missing; on failure removes what it added. */
  private async ensure(rules: readonly Rule[]): Promise<void> {
    const snapshot = await this.iptables.save();
    const wanted = [...baseRules(this.chains), ...rules];
    const batches = new Map<Table, TableBatch>();
    const batchOf = (table: Table): TableBatch => {
      let b = batches.get(table);
      if (!b) batches.set(table, (b = { newChains: [], lines: [] }));
      return b;
    };
    for (const [table, chains] of Object.entries(chainsByTable(this.chains)) as Array<[Table, string[]]>) {
      for (const chain of chains) if (!hasChain(snapshot, table, chain)) batchOf(table).newChains.push(chain);
    }
    const added: Rule[] = [];
    const seen = new Set<string>();
    for (const r of wanted) {
      if (hasRule(snapshot, r) || seen.has(ruleKey(r))) continue;
      seen.add(ruleKey(r));
      added.push(r);
      batchOf(r.table).lines.push(r.first ? `-I ${r.chain} 1 ${r.args}` : `-A ${r.chain} ${r.args}`);
    }
    try {
      await this.iptables.restore(batches);
    } catch (err) {
      // Each table commits on its own: take back what a committed table got.
      await this.remove(await this.iptables.save(), added).catch(() => {});
      throw err;
    }
  }

  /** Deletes the `rules` present in `snapshot`, each once. */
  private async remove(snapshot: Snapshot, rules: readonly Rule[]): Promise<void> {
    const batches = new Map<Table, TableBatch>();
    const seen = new Set<string>();
    for (const r of rules) {
      if (!hasRule(snapshot, r) || seen.has(ruleKey(r))) continue;
      seen.add(ruleKey(r));
      let b = batches.get(r.table);
      if (!b) batches.set(r.table, (b = { newChains: [], lines: [] }));
      b.lines.push(`-D ${r.chain} ${r.args}`);
    }
    await this.iptables.restore(batches);
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => {});
    return run;
  }
}
