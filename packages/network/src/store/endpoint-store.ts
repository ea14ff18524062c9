// The endpoints (a container's place on one network), one record each under
// <stateDir>/endpoints/<networkId>-<containerId>.json, written before the
// kernel is touched so that a crash mid-connect leaves something reconcile
// can finish or undo.
import { join } from 'node:path';
import type { DnsLink, Endpoint } from '../types.js';
import { CachedJsonDirectory } from './json-directory.js';

export interface EndpointRecord {
  version: 1;
  endpoint: Endpoint;
  containerName: string;
  netnsPath: string;
  /** This endpoint gives the container its default route (and so carries its published ports). */
  defaultRoute: boolean;
  /** Its --link aliases on the network (the embedded DNS server's records are in memory: restored from here). */
  links?: DnsLink[];
}

export class EndpointStore {
  private readonly records: CachedJsonDirectory<EndpointRecord>;

  constructor(stateDir: string) {
    this.records = new CachedJsonDirectory(join(stateDir, 'endpoints'));
  }

  load(): Promise<void> {
    return this.records.load();
  }

  all(): EndpointRecord[] {
    return this.records.values();
  }

  get(networkId: string, containerId: string): EndpointRecord | undefined {
    return this.records.get(keyOf(networkId, containerId));
  }

  ofContainer(containerId: string): EndpointRecord[] {
    return this.all().filter((r) => r.endpoint.containerId === containerId);
  }

  ofNetwork(networkId: string): EndpointRecord[] {
    return this.all().filter((r) => r.endpoint.networkId === networkId);
  }

  put(record: EndpointRecord): Promise<void> {
    return this.records.put(keyOf(record.endpoint.networkId, record.endpoint.containerId), record);
  }

  delete(networkId: string, containerId: string): Promise<void> {
    return this.records.delete(keyOf(networkId, containerId));
  }
}

function keyOf(networkId: string, containerId: string): string {
  return `${networkId}-${containerId}`;
}
