import { dialUnix, readStream, unary } from '@ce/protocol';
import { Kind, SnapshotsClient, type ListSnapshotsResponse, type MountsResponse, type SnapshotInfo as SnapshotInfoPb, type UsageResponse } from '@ce/protocol/gen/ce/snapshots/v1/snapshots';
import type { Mount, SnapshotFilter, SnapshotInfo, SnapshotService, SnapshotUsage } from '../snapshots/snapshot-service.js';
import { snapshotKindFromPb, snapshotKindToPb } from './snapshots-server.js';

export function snapshotInfoFromPb(info: SnapshotInfoPb): SnapshotInfo {
  return {
    key: info.key,
    kind: snapshotKindFromPb(info.kind) ?? 'committed',
    ...(info.parent ? { parent: info.parent } : {}),
    labels: { ...info.labels },
    createdAt: info.createdAt ?? new Date(0),
  };
}

/** SnapshotService over ce.snapshots.v1.Snapshots: the same interface as the local OverlaySnapshotter's. */
export class SnapshotsGrpcClient implements SnapshotService {
  readonly client: SnapshotsClient;

  /** `target` is a unix socket path or an existing SnapshotsClient. */
  constructor(target: string | SnapshotsClient) {
    this.client = typeof target === 'string' ? dialUnix(SnapshotsClient, target) : target;
  }

  private get target(): string {
    return this.client.getChannel().getTarget();
  }

  async prepare(key: string, parent?: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    return (await unary<MountsResponse>((cb) => this.client.prepare({ key, parent: parent ?? '', labels }, cb), this.target)).mounts;
  }

  async view(key: string, parent?: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    return (await unary<MountsResponse>((cb) => this.client.view({ key, parent: parent ?? '', labels }, cb), this.target)).mounts;
  }

  async mounts(key: string): Promise<Mount[]> {
    return (await unary<MountsResponse>((cb) => this.client.mounts({ key }, cb), this.target)).mounts;
  }

  async commit(name: string, key: string, labels?: Record<string, string>): Promise<SnapshotInfo> {
    const req = { name, key, labels: labels ?? {}, replaceLabels: labels !== undefined };
    return snapshotInfoFromPb(await unary<SnapshotInfoPb>((cb) => this.client.commit(req, cb), this.target));
  }

  async remove(key: string): Promise<void> {
    await unary((cb) => this.client.remove({ key }, cb), this.target);
  }

  async stat(key: string): Promise<SnapshotInfo> {
    return snapshotInfoFromPb(await unary<SnapshotInfoPb>((cb) => this.client.stat({ key }, cb), this.target));
  }

  async update(key: string, labels: Record<string, string>): Promise<SnapshotInfo> {
    return snapshotInfoFromPb(await unary<SnapshotInfoPb>((cb) => this.client.update({ key, labels }, cb), this.target));
  }

  async usage(key: string): Promise<SnapshotUsage> {
    const { size, inodes } = await unary<UsageResponse>((cb) => this.client.usage({ key }, cb), this.target);
    return { size, inodes };
  }

  async walk(visit: (info: SnapshotInfo) => void | Promise<void>, filter: SnapshotFilter = {}): Promise<void> {
    const req = { kind: filter.kind ? snapshotKindToPb(filter.kind) : Kind.KIND_UNSPECIFIED, parent: filter.parent ?? '', filters: filter.labels ?? [] };
    for await (const batch of readStream<ListSnapshotsResponse>(this.client.list(req), this.target)) {
      for (const info of batch.info) await visit(snapshotInfoFromPb(info));
    }
  }
}
