// The 'volumes' start step: mounts what the container's volumes need (a
// tmpfs- or bind-backed local volume is mounted on its _data for its first
// user), creates a missing -v host folder, and adds the container's bind,
// volume and tmpfs mounts to the spec in Docker's order and with Docker's
// options. Teardown lets go of the volumes the container held; it works from
// the record alone and does nothing when nothing is held.
import { mkdir, realpath } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { failedPrecondition, invalidArgument } from '@ce/protocol/errors';
import { tmpfsMountOptions, tmpfsOptionsData } from '@ce/protocol/mounts';
import { defaultSpec, type Mount, type Spec, type SpecOpt } from '@ce/runtime/spec';
import type { ContainerRecord, StoredMountPoint } from '../containers/record.js';
import type { StartContext, StartStep } from '../containers/start-pipeline.js';
import type { LocalDriver } from './local-driver.js';
import { mountOf, readMountInfo, type MountInfoEntry } from './mountinfo.js';
import { noEvents, type EventPublisher } from '../events/event-publisher.js';
import { LOCAL_DRIVER } from './volume-types.js';

/** Path depth, the key of Docker's mount sort (parents before children). */
const depth = (destination: string) => destination.split('/').filter(Boolean).length;

/** A bind or volume in the spec: rbind (bind when non-recursive), ro, and the propagation asked for. */
export function bindMount(point: StoredMountPoint, source: string): Mount {
  const options = [point.Spec.BindOptions?.NonRecursive ? 'bind' : 'rbind'];
  if (!point.RW) options.push('ro');
  if (point.Propagation) options.push(point.Propagation);
  return { destination: point.Destination, type: 'bind', source, options };
}

export function tmpfsMount(destination: string, data: string): Mount {
  return { destination, type: 'tmpfs', source: 'tmpfs', options: tmpfsMountOptions(data) };
}

/**
 * The container's own mounts in Docker's order: binds and volumes, then
 * --tmpfs, then --mount tmpfs, sorted (stably) by depth. `sources` gives
 * each volume's host path.
 */
export function containerMounts(record: ContainerRecord, sources: ReadonlyMap<string, string>): Mount[] {
  const points = record.MountPoints ?? [];
  const mounts: Mount[] = [];
  for (const p of points) {
    if (p.Type === 'tmpfs') continue;
    mounts.push(bindMount(p, p.Type === 'volume' ? (sources.get(p.Destination) ?? p.Source) : p.Source));
  }
  for (const [destination, data] of Object.entries(record.HostConfig.Tmpfs ?? {})) mounts.push(tmpfsMount(destination, data));
  for (const p of points) if (p.Type === 'tmpfs') mounts.push(tmpfsMount(p.Destination, tmpfsOptionsData(p.Spec.TmpfsOptions, p.Spec.ReadOnly ?? false)));
  return byDepth(mounts);
}

/** Where the default spec mounts (proc, /dev, its pts, mqueue and shm, sys, cgroups): Docker keeps those first, in their order. */
const DEFAULT_DESTINATIONS = new Set((defaultSpec().mounts ?? []).map((m) => m.destination));

/**
 * Docker's WithMounts: the user's mounts replace the mounts at the same
 * destination (all of /dev's under a /dev mount), including the network's
 * /etc files; the default mounts stay first, then every other mount (the
 * user's and those earlier steps added) stably sorted by depth. A shared or
 * slave bind makes the rootfs propagation shared or rslave.
 */
export function withContainerMounts(mounts: readonly Mount[]): SpecOpt {
  return (spec: Spec) => {
    const user = new Set(mounts.map((m) => m.destination));
    const dev = user.has('/dev');
    const kept = (spec.mounts ?? []).filter((m) => !user.has(m.destination) && !(dev && m.destination.startsWith('/dev/')));
    // The user's first, then the network's files: Docker's list before its sort.
    const others = [...mounts.map((m) => ({ ...m, options: m.options && [...m.options] })), ...kept.filter((m) => !DEFAULT_DESTINATIONS.has(m.destination))];
    spec.mounts = [...kept.filter((m) => DEFAULT_DESTINATIONS.has(m.destination)), ...byDepth(others)];
    for (const m of mounts) {
      const p = (m.options ?? []).find((o) => /^r?(shared|slave)$/.test(o));
      if (!p) continue;
      spec.linux ??= {};
      const root = spec.linux.rootfsPropagation ?? '';
      if (p.endsWith('shared')) {
        if (root !== 'shared' && root !== 'rshared') spec.linux.rootfsPropagation = 'shared';
      } else if (!['shared', 'rshared', 'slave', 'rslave'].includes(root)) spec.linux.rootfsPropagation = 'rslave';
    }
  };
}

/** Parents before children, the order kept otherwise (Docker's sort of its mounts). */
function byDepth(mounts: Mount[]): Mount[] {
  return mounts.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i).map(({ m }) => m);
}

/** Docker's ensureShared / ensureSharedOrSlave: the source's own mount must propagate as the bind asks. */
async function checkSourcePropagation(point: StoredMountPoint, mountinfo: () => MountInfoEntry[]): Promise<void> {
  const wanted = point.Propagation;
  if (!/^r?(shared|slave)$/.test(wanted)) return;
  const source = await realpath(point.Source);
  const mount = mountOf(source, mountinfo());
  if (!mount) return;
  const shared = mount.optional.some((o) => o.startsWith('shared:'));
  const slave = mount.optional.some((o) => o.startsWith('master:'));
  if (wanted.endsWith('shared') && !shared) throw failedPrecondition(`path ${point.Source} is mounted on ${mount.mountPoint} but it is not a shared mount`);
  if (wanted.endsWith('slave') && !shared && !slave) {
    throw failedPrecondition(`path ${point.Source} is mounted on ${mount.mountPoint} but it is not a shared or slave mount`);
  }
}

export function volumesStep(
  driver: Pick<LocalDriver, 'mount' | 'unmount'>,
  mountinfo: () => MountInfoEntry[] = readMountInfo,
  events: Pick<EventPublisher, 'volume'> = noEvents,
): StartStep {
  return {
    name: 'volumes',
    async setup(ctx: StartContext) {
      const record = ctx.record;
      const points = record.MountPoints ?? [];
      if (points.length === 0 && Object.keys(record.HostConfig.Tmpfs ?? {}).length === 0) return;
      const sources = new Map<string, string>();
      for (const p of points) {
        if (p.Type === 'volume' && p.Name) {
          sources.set(p.Destination, driver.mount(p.Name, record.Id));
          events.volume(p.Name, 'mount', {
            container: record.Id,
            destination: p.Destination,
            driver: p.Driver || LOCAL_DRIVER,
            propagation: p.Propagation,
            'read/write': String(p.RW),
          });
        }
        if (p.Type !== 'bind') continue;
        if (!existsSync(p.Source)) {
          // -v creates a missing host folder, as Docker does; --mount refuses.
          if (p.SkipMountpointCreation) throw invalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${p.Source}`);
          await mkdir(p.Source, { recursive: true, mode: 0o755 });
        }
        await checkSourcePropagation(p, mountinfo);
      }
      ctx.specOpts.push(withContainerMounts(containerMounts(record, sources)));
    },
    async teardown(record: ContainerRecord) {
      let first: Error | undefined;
      for (const p of record.MountPoints ?? []) {
        if (p.Type !== 'volume' || !p.Name) continue;
        try {
          if (driver.unmount(p.Name, record.Id)) events.volume(p.Name, 'unmount', { container: record.Id, driver: p.Driver || LOCAL_DRIVER });
        } catch (err) {
          first ??= err as Error;
        }
      }
      if (first) throw first;
    },
  };
}
