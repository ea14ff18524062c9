// The networks, one record each under <stateDir>/networks/<id>.json, and
// dockerd's rules to find one by id, name or id prefix.
import { join } from 'node:path';
import { invalidArgument, notFound } from '@ce/protocol/errors';
import type { IpamConfig } from '../types.js';
import { CachedJsonDirectory } from './json-directory.js';

/** What ce keeps of a network: NetworkResource without Containers, and what the driver decided. */
export interface NetworkRecord {
  version: 1;
  id: string;
  name: string;
  /** RFC 3339 with nanoseconds, as Docker prints Created. */
  created: string;
  driver: string;
  internal: boolean;
  attachable: boolean;
  enableIPv6: boolean;
  ipamDriver: string;
  ipamOptions: Record<string, string> | null;
  /** As inspect shows it: the subnet and gateway chosen, with the user's ip-range and auxiliary addresses. */
  ipamConfig: IpamConfig[];
  /** The subnet came from the user (--subnet): only then may a container ask for an address (--ip). */
  userSubnet: boolean;
  options: Record<string, string>;
  labels: Record<string, string>;
  /** bridge, host and none. */
  predefined: boolean;
  /** The bridge device, for driver bridge; for driver cni, the bridge plugin's (no other network may use it). */
  bridge?: string;
  mtu?: number;
  icc?: boolean;
  masquerade?: boolean;
  /** User-defined bridge networks have the embedded DNS server; the default bridge does not (Docker's rule). */
  dns?: boolean;
  /** For driver cni: the configuration list as read at create (later edits of the file do not change the network). */
  cni?: { name: string; source: string; config: string };
}

export class NetworkStore {
  private readonly records: CachedJsonDirectory<NetworkRecord>;

  constructor(stateDir: string) {
    this.records = new CachedJsonDirectory(join(stateDir, 'networks'));
  }

  load(): Promise<void> {
    return this.records.load();
  }

  all(): NetworkRecord[] {
    return this.records.values().sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
  }

  byId(id: string): NetworkRecord | undefined {
    return this.records.get(id);
  }

  byName(name: string): NetworkRecord | undefined {
    return this.all().find((r) => r.name === name);
  }

  /** dockerd's FindNetwork: full id, then name, then unique id prefix. */
  find(ref: string): NetworkRecord {
    if (ref === '') throw invalidArgument('network name or id must not be empty');
    const exact = this.records.get(ref);
    if (exact) return exact;
    const named = this.byName(ref);
    if (named) return named;
    const prefixed = this.all().filter((r) => r.id.startsWith(ref));
    if (prefixed.length === 1) return prefixed[0]!;
    if (prefixed.length > 1) throw invalidArgument(`network ${ref} is ambiguous (${prefixed.length} matches found based on ID prefix)`);
    throw notFound(`network ${ref} not found`);
  }

  put(record: NetworkRecord): Promise<void> {
    return this.records.put(record.id, record);
  }

  delete(id: string): Promise<void> {
    return this.records.delete(id);
  }
}
