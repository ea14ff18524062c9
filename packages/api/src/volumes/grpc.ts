// ce.api.v1.Volumes: the thin gRPC adapter over the local VolumeService, and
// the client that implements the same VolumesApi over a socket.
import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { adaptService, dialUnix, unary } from '@ce/protocol';
import { VolumesClient, VolumesService, type FilterValues, type Volume, type VolumesDiskUsageResponse } from '@ce/protocol/gen/ce/api/v1/volumes';
import type { VolumeFilters } from './volume-filters.js';
import type { CreateVolumeOptions, PruneReport, VolumeUsage, VolumesApi } from './volume-service.js';
import type { VolumeJSON } from './volume-types.js';

export function toVolumeMessage(v: VolumeJSON): Volume {
  return {
    name: v.Name,
    driver: v.Driver,
    mountpoint: v.Mountpoint,
    createdAt: v.CreatedAt,
    labels: v.Labels ?? {},
    options: v.Options ?? {},
    scope: v.Scope,
    json: JSON.stringify(v),
  };
}

export function fromVolumeMessage(m: Volume): VolumeJSON {
  return JSON.parse(m.json) as VolumeJSON;
}

const toFilters = (f: Record<string, FilterValues>): VolumeFilters => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v.values]));
const fromFilters = (f: VolumeFilters): Record<string, FilterValues> => Object.fromEntries(Object.entries(f).map(([k, values]) => [k, { values }]));

export function volumesGrpcService(api: VolumesApi): [ServiceDefinition, UntypedServiceImplementation] {
  return [
    VolumesService as unknown as ServiceDefinition,
    adaptService(VolumesService, {
      create: async (req) => toVolumeMessage(await api.create({ name: req.name, driver: req.driver, options: req.driverOpts, labels: req.labels })),
      inspect: async (req) => toVolumeMessage(await api.inspect(req.name)),
      list: async (req) => ({ volumes: (await api.list(toFilters(req.filters))).map(toVolumeMessage), warnings: [] }),
      remove: async (req) => (await api.remove(req.name, req.force), {}),
      prune: async (req) => {
        const report = await api.prune(toFilters(req.filters));
        return { volumesDeleted: report.deleted, spaceReclaimed: report.spaceReclaimed };
      },
      diskUsage: async () => ({ volumes: await api.diskUsage() }),
    }),
  ];
}

/** A VolumesApi served by ced on its socket. */
export class VolumesGrpcClient implements VolumesApi {
  private readonly client: VolumesClient;
  private readonly target: string;

  constructor(socketPath: string) {
    this.client = dialUnix(VolumesClient, socketPath);
    this.target = `unix://${socketPath}`;
  }

  async create(o: CreateVolumeOptions): Promise<VolumeJSON> {
    const req = { name: o.name ?? '', driver: o.driver ?? '', driverOpts: o.options ?? {}, labels: o.labels ?? {} };
    return fromVolumeMessage(await unary<Volume>((cb) => this.client.create(req, cb), this.target));
  }
  async inspect(name: string): Promise<VolumeJSON> {
    return fromVolumeMessage(await unary<Volume>((cb) => this.client.inspect({ name }, cb), this.target));
  }
  async list(filters: VolumeFilters): Promise<VolumeJSON[]> {
    const res = await unary<{ volumes: Volume[] }>((cb) => this.client.list({ filters: fromFilters(filters) }, cb), this.target);
    return res.volumes.map(fromVolumeMessage);
  }
  async remove(name: string, force: boolean): Promise<void> {
    await unary((cb) => this.client.remove({ name, force }, cb), this.target);
  }
  async prune(filters: VolumeFilters): Promise<PruneReport> {
    const res = await unary<{ volumesDeleted: string[]; spaceReclaimed: number }>((cb) => this.client.prune({ filters: fromFilters(filters) }, cb), this.target);
    return { deleted: res.volumesDeleted, spaceReclaimed: Number(res.spaceReclaimed) };
  }
  async diskUsage(): Promise<VolumeUsage[]> {
    const res = await unary<VolumesDiskUsageResponse>((cb) => this.client.diskUsage({}, cb), this.target);
    return res.volumes.map((v) => ({ name: v.name, size: Number(v.size), refCount: v.refCount }));
  }

  close(): void {
    this.client.close();
  }
}
