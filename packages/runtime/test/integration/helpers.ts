import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Runtime } from '../../src/runtime.js';
import { defaultSpec } from '../../src/spec/default-spec.js';
import type { Spec } from '../../src/spec/types.js';

export const isRoot = process.getuid?.() === 0;
export const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'echo', 'cat', 'hostname', 'ls', 'ps', 'sleep', 'id', 'pwd', 'env', 'touch', 'stat', 'test', 'true', 'false', 'readlink', 'mount', 'yes', 'head', 'grep', 'wc', 'cut', 'tr', 'mkdir', 'nc', 'syslogd', 'unshare'];

/** A fresh temp dir with a busybox bundle and its own runtime root. */
export class Fixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'ce-runtime-it-'));
  readonly bundle = join(this.dir, 'bundle');
  readonly rootfs = join(this.bundle, 'rootfs');
  readonly stateRoot = join(this.dir, 'state');
  readonly rt = new Runtime({ root: this.stateRoot });
  /** A cgroup name unique to this fixture (relative: below the test process's own cgroup). */
  readonly cgroupName = `ce-it-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor() {
    if (!existsSync(BUSYBOX)) throw new Error(`integration tests need a static busybox at ${BUSYBOX} (apt-get install busybox-static)`);
    mkdirSync(join(this.rootfs, 'bin'), { recursive: true });
    copyFileSync(BUSYBOX, join(this.rootfs, 'bin/busybox'));
    for (const a of APPLETS) symlinkSync('busybox', join(this.rootfs, 'bin', a));
    for (const d of ['proc', 'sys', 'dev', 'tmp', 'etc', 'home/app']) mkdirSync(join(this.rootfs, d), { recursive: true });
  }

  /** Writes config.json: defaultSpec() with `args`, changed by `mut`. */
  writeSpec(args: string[], mut?: (s: Spec) => void): Spec {
    const spec = defaultSpec();
    spec.process!.args = args;
    mut?.(spec);
    writeFileSync(join(this.bundle, 'config.json'), JSON.stringify(spec, null, 2));
    return spec;
  }

  /** Kills and deletes every container left, then checks nothing leaked and removes the temp dir. */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    for (const c of await this.rt.list().catch(() => [])) {
      await this.rt.delete(c.id, { force: true }).catch((err) => problems.push(`delete ${c.id}: ${err}`));
    }
    problems.push(...leaks(this.dir, this.cgroupName));
    rmSync(this.dir, { recursive: true, force: true });
    return problems;
  }
}

/** Processes whose parent is this process (the containers are reparented to it), other than Node's own. */
export function childProcesses(): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const ppid = /^PPid:\s+(\d+)/m.exec(status)?.[1];
      if (Number(ppid) === process.pid) out.push(`${name} ${/^Name:\s+(.*)$/m.exec(status)?.[1]}`);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Cgroup directories named `name` anywhere in the v1/v2 hierarchies (depth-limited). */
export function cgroupDirs(name: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = join(dir, e.name);
      if (e.name === name) found.push(p);
      else walk(p, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found;
}

export function leaks(dir: string, cgroupName: string): string[] {
  const problems: string[] = [];
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir));
  if (mounts.length) problems.push(`mounts left: ${mounts.join('; ')}`);
  const kids = childProcesses();
  if (kids.length) problems.push(`processes left: ${kids.join(', ')}`);
  const cgs = cgroupDirs(cgroupName);
  if (cgs.length) problems.push(`cgroups left: ${cgs.join(', ')}`);
  return problems;
}

export function collect(stream: Readable | null): Promise<string> {
  if (!stream) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    let out = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (out += d));
    stream.on('end', () => resolve(out));
    stream.on('error', reject);
  });
}

export function stateDirExists(f: Fixture, id: string): boolean {
  return existsSync(join(f.stateRoot, id));
}

/** create + start, collect stdout/stderr and wait for the exit. */
export async function run(f: Fixture, id: string): Promise<{ stdout: string; stderr: string; exitStatus: number; signal: number | null }> {
  const c = await f.rt.create(id, f.bundle, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = collect(c.stdout);
  const stderr = collect(c.stderr);
  await f.rt.start(id);
  const exit = await c.exited;
  return { stdout: await stdout, stderr: await stderr, exitStatus: exit.exitStatus, signal: exit.signal };
}
