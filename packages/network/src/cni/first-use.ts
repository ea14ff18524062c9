// A plugin's first ADD in this process runs alone. Plugins make shared host
// state on first use and check-then-create it: portmap's and firewall's
// top-level iptables chains (CNI-HOSTPORT-DNAT, CNI-FORWARD). Two first ADDs
// at once both find no chain and both create it; under iptables-nft the loser
// fails with "CHAIN_USER_ADD failed (File exists)" (exit 4, which Debian's
// plugins 1.1.1 do not forgive as they do legacy's exit 1) and the sandbox
// fails. Once an ADD has succeeded the state is there, so later ones run
// side by side.

export class FirstUseGate {
  private readonly warmed = new Set<string>();
  private readonly firsts = new Map<string, Promise<unknown>>();

  /** Runs `fn` alone while no call for `key` has succeeded, otherwise at once. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      if (this.warmed.has(key)) return fn();
      const first = this.firsts.get(key);
      if (first) {
        await first.catch(() => undefined);
        continue;
      }
      const mine = fn();
      this.firsts.set(key, mine);
      try {
        const value = await mine;
        this.warmed.add(key);
        return value;
      } finally {
        this.firsts.delete(key);
      }
    }
  }
}

/** Shared by every network in the process: two networks may chain the same plugin. */
export const pluginFirstUse = new FirstUseGate();
