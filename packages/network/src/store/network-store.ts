// The networks, one record each under <stateDir>/networks/<id>.json, and
// dockerd's rules to find one by id, name or id prefix.
import { join } from 'node:path';
import { invalidArgument, notFound } from '@ce/protocol/errors';
import type { IpamConfig } from '../types.js';
import { JsonDirectory } from './json-directory.js';

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
  /** The bridge device, for driver bridge. */
  bridge?: string;
  mtu?: number;
  icc?: boolean;
  masquerade?: boolean;
  /** User-defined bridge networks have the embedded DNS server; the default bridge does not (Docker's rule). */
  dns?: boolean;
}

export class NetworkStore {
  private readonly files: JsonDirectory<NetworkRecord>;
  private readonly records = new Map<string, NetworkRecord>();

  constructor(stateDir: string) {
    this.files = new JsonDirectory(join(stateDir, 'networks'));
  }

  async load(): Promise<void> {
    this.records.clear();
    for (const [id, record] of await this.files.readAll()) this.records.set(id, record);
  }

  all(): NetworkRecord[] {
    return [...this.records.values()].sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
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

  async put(record: NetworkRecord): Promise<void> {
    await this.files.write(record.id, record);
    this.records.set(record.id, record);
  }

  async delete(id: string): Promise<void> {
    await this.files.remove(id);
    this.records.delete(id);
  }
}
