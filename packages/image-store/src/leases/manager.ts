// Leases persisted as one JSON file each under <root>/leases/, replaced
// atomically on every change so another process (or a later check) sees what
// a lease holds. A lease names its owner by pid and the pid's start time (from
// /proc/<pid>/stat), so a recycled pid does not keep a dead owner's lease alive.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '@ce/protocol';
import { isErrno, tempName } from '../util/fs.js';
import type { Lease, LeaseManager, LeaseOptions, LeaseResource, LeaseResourceKind } from './types.js';

const DEFAULT_EXPIRY_MS = 24 * 60 * 60 * 1000;
const KINDS: readonly LeaseResourceKind[] = ['content', 'snapshot', 'ingest'];

/** A lease as stored on disk. */
export interface LeaseRecord {
  version: 1;
  id: string;
  reason?: string;
  owner: { pid: number; startTime: string };
  createdAt: string;
  expiresAt: string;
  resources: LeaseResource[];
}

/** A lease as a reader sees it: the record and whether it still protects anything. */
export interface LeaseStatus extends LeaseRecord {
  /** False when the owner is gone or the lease has expired. */
  live: boolean;
  /** Why a lease is not live: "owner pid 123 has exited", "expired at …". */
  deadReason?: string;
}

/** The start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined when it is gone. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

export class FileLeaseManager implements LeaseManager {
  /** Per lease: the write of its file in flight, and the next one, which takes every add made meanwhile. */
  private readonly writes = new Map<string, { current?: Promise<void>; queued?: Promise<void> }>();

  private constructor(readonly dir: string) {}

  static async open(dir: string): Promise<FileLeaseManager> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new FileLeaseManager(dir);
  }

  async create(options: LeaseOptions = {}): Promise<Lease> {
    const expiresIn = options.expiresInMs ?? DEFAULT_EXPIRY_MS;
    if (!(Number.isFinite(expiresIn) && expiresIn > 0)) throw invalidArgument(`lease expiry must be a positive number of ms, got ${expiresIn}`);
    const startTime = processStartTime(process.pid);
    if (startTime === undefined) throw new Error(`cannot read /proc/${process.pid}/stat to name the lease owner`);
    const now = new Date();
    const record: LeaseRecord = {
      version: 1,
      id: `${now.getTime().toString(36)}-${randomBytes(6).toString('hex')}`,
      ...(options.reason ? { reason: options.reason } : {}),
      owner: { pid: process.pid, startTime },
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + expiresIn).toISOString(),
      resources: [],
    };
    await this.write(record);
    return new FileLease(this, record);
  }

  private path(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /**
   * @internal Replaces the lease's file (a temporary file renamed over it, so a
   * reader sees the old or the new record), without fsync: a lease protects
   * only while its owner lives, a crash of the machine ends every owner, and an
   * unreadable file is a dead lease. A pull adds a dozen resources; flushing
   * each add cost two fsyncs on its path.
   */
  async write(record: LeaseRecord): Promise<void> {
    const path = this.path(record.id);
    const tmp = tempName(path);
    try {
      await writeFile(tmp, JSON.stringify(record) + '\n', { mode: 0o600, flag: 'wx' });
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  /**
   * @internal Adds `resource` and resolves once a write of the record holding
   * it is done. Adds that arrive while a write is in flight share the next
   * write: a pull adds a dozen resources, many at once (every layer's blob,
   * then its snapshot), and each write of the file was on the pull's path.
   */
  async add(record: LeaseRecord, resource: LeaseResource): Promise<void> {
    if (!KINDS.includes(resource.kind)) throw invalidArgument(`unknown lease resource kind ${JSON.stringify(resource.kind)}`);
    if (typeof resource.id !== 'string' || resource.id === '') throw invalidArgument('a lease resource needs an id');
    const writes = this.writes.get(record.id);
    if (record.resources.some((r) => r.kind === resource.kind && r.id === resource.id)) {
      // Already in the record: written, or in a write still to finish.
      await (writes?.queued ?? writes?.current);
      return;
    }
    const added = { kind: resource.kind, id: resource.id };
    record.resources.push(added);
    try {
      await this.persist(record);
    } catch (err) {
      // Not on disk, so not in the record: an add again writes it, instead of finding it there.
      const at = record.resources.indexOf(added);
      if (at >= 0) record.resources.splice(at, 1);
      throw err;
    }
  }

  /** A write of `record` that starts after this call; joins one already waiting to start. */
  private persist(record: LeaseRecord): Promise<void> {
    let writes = this.writes.get(record.id);
    if (!writes) this.writes.set(record.id, (writes = {}));
    const state = writes;
    if (state.queued) return state.queued;
    const start = (): Promise<void> => {
      const current = this.write(record).finally(() => {
        if (state.current === current) state.current = undefined;
        if (!state.current && !state.queued && this.writes.get(record.id) === state) this.writes.delete(record.id);
      });
      state.current = current;
      return current;
    };
    if (!state.current) return start();
    const queued = state.current.catch(() => undefined).then(() => {
      state.queued = undefined;
      return start();
    });
    state.queued = queued;
    return queued;
  }

  /** Deletes a lease's file; false when it was already gone. */
  async delete(id: string): Promise<boolean> {
    // After the writes of its adds: a write landing later would bring the file back.
    const writes = this.writes.get(id);
    await (writes?.queued ?? writes?.current)?.catch(() => undefined);
    try {
      await unlink(this.path(id));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
    return true;
  }

  /** Every lease on disk with its liveness; unreadable files are reported as dead leases. */
  async list(now = new Date()): Promise<LeaseStatus[]> {
    const out: LeaseStatus[] = [];
    let entries: string[];
    try {
      entries = await readdir(this.dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
    for (const entry of entries) {
      if (!entry.endsWith('.json') || entry.startsWith('.')) continue;
      const id = entry.slice(0, -'.json'.length);
      let record: LeaseRecord;
      try {
        record = parseLeaseRecord(JSON.parse(await readFile(join(this.dir, entry), 'utf8')), id);
      } catch (err) {
        if (isErrno(err, 'ENOENT')) continue; // released meanwhile
        out.push({
          version: 1,
          id,
          owner: { pid: 0, startTime: '' },
          createdAt: '',
          expiresAt: '',
          resources: [],
          live: false,
          deadReason: `unreadable lease file ${entry}: ${(err as Error).message}`,
        });
        continue;
      }
      out.push({ ...record, ...liveness(record, now) });
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Deletes the leases that protect nothing any more (dead owner, expired); returns their ids. */
  async removeDead(now = new Date()): Promise<string[]> {
    const dead = (await this.list(now)).filter((l) => !l.live).map((l) => l.id);
    for (const id of dead) await this.delete(id);
    return dead;
  }

  /** What live leases protect, by kind. */
  async protectedResources(now = new Date()): Promise<Record<LeaseResourceKind, Set<string>>> {
    const out: Record<LeaseResourceKind, Set<string>> = { content: new Set(), snapshot: new Set(), ingest: new Set() };
    for (const lease of await this.list(now)) {
      if (!lease.live) continue;
      for (const r of lease.resources) out[r.kind].add(r.id);
    }
    return out;
  }
}

class FileLease implements Lease {
  private released = false;

  constructor(
    private readonly manager: FileLeaseManager,
    private readonly record: LeaseRecord,
  ) {}

  get id(): string {
    return this.record.id;
  }

  async add(resource: LeaseResource): Promise<void> {
    if (this.released) throw invalidArgument(`lease ${this.id} is already released`);
    await this.manager.add(this.record, resource);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.manager.delete(this.id);
  }
}

function liveness(record: LeaseRecord, now: Date): { live: boolean; deadReason?: string } {
  const expires = new Date(record.expiresAt);
  if (!(expires.getTime() > now.getTime())) return { live: false, deadReason: `expired at ${record.expiresAt}` };
  const start = processStartTime(record.owner.pid);
  if (start === undefined) return { live: false, deadReason: `owner pid ${record.owner.pid} has exited` };
  if (start !== record.owner.startTime) {
    return { live: false, deadReason: `owner pid ${record.owner.pid} has exited (the pid now belongs to another process)` };
  }
  return { live: true };
}

function parseLeaseRecord(v: unknown, id: string): LeaseRecord {
  const r = v as LeaseRecord;
  const ok =
    r &&
    typeof r === 'object' &&
    r.version === 1 &&
    r.id === id &&
    Number.isInteger(r.owner?.pid) &&
    typeof r.owner?.startTime === 'string' &&
    typeof r.expiresAt === 'string' &&
    Array.isArray(r.resources) &&
    r.resources.every((x) => KINDS.includes(x?.kind) && typeof x.id === 'string');
  if (!ok) throw new Error('not a lease record of this store');
  return r;
}
