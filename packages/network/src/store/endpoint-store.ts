// The endpoints (a container's place on one network), one record each under
// <stateDir>/endpoints/<networkId>-<containerId>.json, written before the
// kernel is touched so that a crash mid-connect leaves something reconcile
// can finish or undo.
import { join } from 'node:path';
import type { Endpoint } from '../types.js';
import { JsonDirectory } from './json-directory.js';

export interface EndpointRecord {
  version: 1;
  endpoint: Endpoint;
  containerName: string;
  netnsPath: string;
  /** This endpoint gives the container its default route (and so carries its published ports). */
  defaultRoute: boolean;
}

export class EndpointStore {
  private readonly files: JsonDirectory<EndpointRecord>;
  private readonly records = new Map<string, EndpointRecord>();

  constructor(stateDir: string) {
    this.files = new JsonDirectory(join(stateDir, 'endpoints'));
  }

  async load(): Promise<void> {
    this.records.clear();
    for (const [key, record] of await this.files.readAll()) this.records.set(key, record);
  }

  all(): EndpointRecord[] {
    return [...this.records.values()];
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

  async put(record: EndpointRecord): Promise<void> {
    const key = keyOf(record.endpoint.networkId, record.endpoint.containerId);
    await this.files.write(key, record);
    this.records.set(key, record);
  }

  async delete(networkId: string, containerId: string): Promise<void> {
    const key = keyOf(networkId, containerId);
    await this.files.remove(key);
    this.records.delete(key);
  }
}

function keyOf(networkId: string, containerId: string): string {
  return `${networkId}-${containerId}`;
}
