// Root-only: configs that leave namespaces out (the container inherits the
// caller's), run by the real ce-runc and by Debian's runc on the same bundle.
// runc mounts in the host's mount table and leaves those mounts behind, so it
// runs in a private mount namespace of its own here (`unshare -m`); ce-runc
// runs in the test's, which must be left as it was.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LinuxNamespaceType, Spec } from '../../src/spec/types.js';
import { Fixture, isRoot } from './helpers.js';

const RUNC = '/usr/sbin/runc';
const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const ceRuncBin = join(packageDir, 'bin/ce-runc.mjs');

/** /proc/<pid>/ns names of the namespace types a config lists. */
const NS_FILES: Record<string, string> = { mount: 'mnt', pid: 'pid', network: 'net', ipc: 'ipc', uts: 'uts', cgroup: 'cgroup', user: 'user' };

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its exit; `detached`: its stdio is not collected (a container it leaves running would hold the pipes). */
function run(cmd: string, args: string[], detached = false): Promise<Outcome> {
  const child = spawn(cmd, args, { stdio: detached ? 'ignore' : ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on(detached ? 'exit' : 'close', (code) => resolve({ code, stdout, stderr }));
  });
}

const ceRunc = (f: Fixture, ...args: string[]) => run(process.execPath, [ceRuncBin, '--root', f.stateRoot, ...args]);

/** The container prints one "<ns> <link>" line per namespace type, then its root directory. */
const REPORT = `for n in ${Object.values(NS_FILES).join(' ')}; do echo "$n $(readlink /proc/self/ns/$n)"; done; echo root: $(ls /)`;

/** The container's report with each namespace link replaced by "host" (the runtime's own) or "own". */
function classify(stdout: string, host: Record<string, string>): string[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [name, link] = line.split(' ');
      return name! in host ? `${name} ${link === host[name!] ? 'host' : 'own'}` : line;
    });
}

function hostNamespaces(readLink: (name: string) => string): Record<string, string> {
  return Object.fromEntries(Object.values(NS_FILES).map((n) => [n, readLink(n)]));
}

function writeConfig(f: Fixture, types: LinuxNamespaceType[], args: string[], mut?: (s: Spec) => void): void {
  f.writeSpec(args, (s) => {
    s.linux!.namespaces = types.map((type) => ({ type }));
    // runc spec's device rules (Docker's allow-list trips runc 1.1's v1 devices cgroup below a default path)
    s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }] };
    if (!types.includes('mount')) {
      delete s.linux!.maskedPaths;
      delete s.linux!.readonlyPaths;
    }
    if (types.includes('user')) {
      s.linux!.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
    }
    delete s.hostname;
    mut?.(s);
  });
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(dir));
}

let seq = 0;

describe.skipIf(!isRoot || !existsSync(RUNC))('absent namespaces: ce-runc and runc on the same bundle (root)', () => {
  let f: Fixture;
  beforeAll(() => {
    if (!existsSync(join(packageDir, 'dist/ce-runc.mjs'))) throw new Error('dist/ce-runc.mjs is missing: run `npm run build -w @ce/runtime` first');
  });
  beforeEach(() => {
    f = new Fixture();
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
  });

  /** runc run in a private mount namespace; its first line is that namespace's link, the "host" mount namespace runc sees. */
  async function runcRun(): Promise<{ outcome: Outcome; host: Record<string, string> }> {
    const id = `nons-runc-${process.pid}-${++seq}`;
    const state = join(f.dir, 'runc-state');
    const r = await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `readlink /proc/self/ns/mnt; exec ${RUNC} --root ${state} run -b ${f.bundle} ${id}`]);
    const [mnt, ...rest] = r.stdout.split('\n');
    rmSync(state, { recursive: true, force: true });
    const host = hostNamespaces((n) => readlinkSync(`/proc/self/ns/${n}`));
    host.mnt = mnt!;
    return { outcome: { ...r, stdout: rest.join('\n') }, host };
  }

  async function ceRuncRun(): Promise<Outcome> {
    const before = mountsUnder(f.dir);
    const r = await ceRunc(f, 'run', '-b', f.bundle, `nons-ce-${++seq}`);
    // ce-runc ran in this mount namespace: whatever it mounted is gone with the container
    expect(mountsUnder(f.dir)).toEqual(before);
    return r;
  }

  const subsets: LinuxNamespaceType[][] = [
    ['pid', 'network', 'ipc', 'uts', 'mount'],
    ['pid', 'network', 'ipc', 'uts'],
    ['mount'],
    [],
    ['pid', 'cgroup'],
    ['network', 'ipc', 'uts', 'cgroup'],
    ['user', 'pid', 'network', 'ipc', 'uts', 'mount'],
  ];
  for (const types of subsets) {
    it(`runs with namespaces [${types.join(', ')}] as runc does, inheriting the others`, async () => {
      writeConfig(f, types, ['sh', '-c', REPORT]);
      const ce = await ceRuncRun();
      const runc = await runcRun();
      const host = hostNamespaces((n) => readlinkSync(`/proc/self/ns/${n}`));
      const expected = [...Object.entries(NS_FILES).map(([type, n]) => `${n} ${types.includes(type as LinuxNamespaceType) ? 'own' : 'host'}`), 'root: bin dev etc home proc sys tmp'];
      expect({ code: runc.outcome.code, report: classify(runc.outcome.stdout, runc.host) }).toEqual({ code: 0, report: expected });
      expect({ code: ce.code, stderr: ce.stderr, report: classify(ce.stdout, host) }).toEqual({ code: 0, stderr: '', report: expected });
    });
  }

  it('fails, as runc does, to mount in the host\'s mount table from a new user namespace', async () => {
    writeConfig(f, ['user', 'pid', 'network', 'ipc', 'uts'], ['true']);
    const runc = await runcRun();
    expect(runc.outcome).toMatchObject({ code: 1, stderr: expect.stringContaining('operation not permitted') });
    const ce = await ceRuncRun();
    expect(ce).toMatchObject({ code: 1, stderr: expect.stringContaining(`bind mount rootfs ${f.rootfs}: Operation not permitted`) });
  });

  it('refuses masked and read-only paths without a mount namespace, as runc does', async () => {
    writeConfig(f, ['pid', 'network', 'ipc', 'uts'], ['true'], (s) => {
      s.linux!.maskedPaths = ['/proc/kcore'];
      s.linux!.readonlyPaths = ['/proc/sys'];
    });
    const runc = await runcRun();
    expect(runc.outcome).toMatchObject({ code: 1, stderr: expect.stringContaining('unable to restrict sys entries without a private MNT namespace') });
    const ce = await ceRuncRun();
    expect(ce.code).toBe(1);
    expect(ce.stderr).toContain('linux.maskedPaths: cannot be applied without a mount namespace');
    expect(ce.stderr).toContain('linux.readonlyPaths: cannot be applied without a mount namespace');
  });

  it('exec enters the container\'s root, and delete takes its mounts off the host', async () => {
    writeConfig(f, ['pid', 'ipc'], ['sleep', '1000']);
    const before = mountsUnder(f.dir);
    expect(await run(process.execPath, [ceRuncBin, '--root', f.stateRoot, 'run', '-d', '-b', f.bundle, 'held'], true)).toMatchObject({ code: 0 });
    // while it runs, its mounts are in the host's table, below its rootfs only
    const during = mountsUnder(f.dir).filter((l) => !before.includes(l));
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((l) => l.split(' ')[4]!.startsWith(f.rootfs))).toBe(true);
    // runc exec would run this at the host's / (it has no mount namespace to join)
    const ls = await ceRunc(f, 'exec', 'held', 'sh', '-c', 'echo $(ls /); readlink /proc/self/ns/mnt');
    expect(ls).toMatchObject({ code: 0, stdout: `bin dev etc home proc sys tmp\n${readlinkSync('/proc/self/ns/mnt')}\n` });
    // from another mount namespace, the mounts at the rootfs are not the ones it made: refused
    const elsewhere = await run('unshare', ['-m', process.execPath, ceRuncBin, '--root', f.stateRoot, 'delete', '--force', 'held']);
    expect(elsewhere).toMatchObject({ code: 1, stderr: expect.stringContaining(`detach its mounts on ${f.rootfs}: the container was created in mount namespace`) });
    expect(JSON.parse((await ceRunc(f, 'state', 'held')).stdout)).toMatchObject({ status: 'running' });
    expect(await ceRunc(f, 'delete', '--force', 'held')).toMatchObject({ code: 0 });
    expect(mountsUnder(f.dir)).toEqual(before);
  });

  it('keeps root.readonly without a mount namespace (runc ignores it), on its own bind of the rootfs', async () => {
    writeConfig(f, ['pid'], ['sh', '-c', 'touch /x 2>&1 || echo refused'], (s) => {
      s.root!.readonly = true;
    });
    const ce = await ceRuncRun();
    expect(ce).toMatchObject({ code: 0, stdout: expect.stringContaining('refused') });
    expect(existsSync(join(f.rootfs, 'x'))).toBe(false);
  });

  it('a create that fails half-way leaves no mount on the host', async () => {
    writeConfig(f, ['pid'], ['true'], (s) => {
      s.mounts!.push({ destination: '/broken', type: 'no-such-fs', source: 'none' });
    });
    const ce = await ceRuncRun();
    expect(ce.code).toBe(1);
    expect(ce.stderr).toContain('/broken');
  });
});
