import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../errors.js';
import type { Hooks } from '../spec/types.js';

/** What the runtime records about a container in <root>/<id>/state.json. */
export interface StoredState {
  ociVersion: string;
  id: string;
  /** 0 while creating. */
  pid: number;
  /** Start time of `pid` (field 22 of /proc/<pid>/stat), so a reused pid is not mistaken for it. */
  pidStartTime?: string;
  bundle: string;
  rootfs?: string;
  annotations: Record<string, string>;
  /** ISO 8601. */
  created: string;
  /** The cgroup the container was put in, relative to what linux.cgroupsPath meant. */
  cgroupsPath?: string;
  /** Set once `start` released the process. */
  started?: string;
  /** The namespace types of the container (new or joined); exec joins them through /proc/<pid>/ns. */
  namespaces?: string[];
  /**
   * Without a mount namespace: the caller's mount namespace (/proc/self/ns/mnt)
   * and the top mount at `rootfs` in it before the container was created
   * (0: none). Create and delete detach every mount stacked above it, which
   * takes the container's mounts along; only from that mount namespace.
   */
  hostRootfs?: { mountNs: string; below: number };
  /** The session keyring the container joined (`_ses.<id>`); exec'd processes join it too. None with noNewKeyring. */
  sessionKeyring?: string;
  /** The container's compiled seccomp filter (flags, base64 program): exec'd processes get it too. */
  seccomp?: { flags: number; program: string };
  /** The runtime-side hooks still to run after create: poststart (at start) and poststop (at delete). */
  hooks?: Pick<Hooks, 'poststart' | 'poststop'>;
}

export const ID_PATTERN = /^[\w+.-]+$/;

export function checkId(id: string): void {
  if (typeof id !== 'string' || !ID_PATTERN.test(id) || id === '.' || id === '..') {
    throw new RuntimeError('InvalidArgument', `invalid container id ${JSON.stringify(id)}: must match ${ID_PATTERN.source}`);
  }
}

/**
 * Replaces `file` with `data` at once (temporary file, rename): a reader sees the
 * old or the new state, never half of one. No fsync, as runc's saveState: the
 * state describes processes, which a crash of the machine ends with it
 * (docs/decisions/0048).
 */
export function replaceFile(file: string, data: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
  return rename(tmp, file).catch(async (err) => {
    await unlink(tmp).catch(() => {});
    throw err;
  });
}

/** The runtime's state folder: one directory per container. */
export class StateStore {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return join(this.root, id);
  }

  fifoPath(id: string): string {
    return join(this.root, id, 'exec.fifo');
  }

  /** Creates the container's directory; AlreadyExists when the id is taken. */
  async reserve(id: string): Promise<string> {
    await mkdir(this.root, { recursive: true, mode: 0o711 });
    const dir = this.dir(id);
    try {
      await mkdir(dir, { mode: 0o711 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new RuntimeError('AlreadyExists', `container ${id} already exists`);
      throw err;
    }
    return dir;
  }

  async write(state: StoredState): Promise<void> {
    await replaceFile(join(this.dir(state.id), 'state.json'), JSON.stringify(state));
  }

  /** NotFound when there is no such container. */
  async read(id: string): Promise<StoredState> {
    checkId(id);
    let text: string;
    try {
      text = await readFile(join(this.dir(id), 'state.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RuntimeError('NotFound', `container ${id} does not exist`);
      throw err;
    }
    try {
      return JSON.parse(text) as StoredState;
    } catch (err) {
      throw new RuntimeError('Internal', `container ${id}: corrupt state.json`, { cause: err });
    }
  }

  async ids(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    return entries.filter((e) => e.isDirectory() && ID_PATTERN.test(e.name)).map((e) => e.name).sort();
  }

  async remove(id: string): Promise<void> {
    await rm(this.dir(id), { recursive: true, force: true });
  }
}
