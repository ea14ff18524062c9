// Root-only: the seccomp filter and capabilities ced gives a container are the
// ones Debian's dockerd 20.10 hands its runtime for the same flags. A private
// dockerd runs containers through a runtime that records config.json, then runc.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES, defaultSeccompProfile, seccompForContainer, tweakCapabilities, type LinuxSeccomp, type Spec } from '@ce/runtime/spec';
// @ts-expect-error a plain .mjs helper shared with the benchmarks
import { startPrivateDockerd } from '../tools/lib/private-dockerd.mjs';
import { mountsUnder, processesMentioning } from './support/leaks.js';

const isRoot = process.getuid?.() === 0;
const IMAGE = 'ce-e2e-seccomp-parity:latest';

interface PrivateDockerd {
  docker(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** Compares what matters to the kernel: names, actions, errnos, argument rules, in order. */
function normalize(s: LinuxSeccomp | undefined) {
  if (!s) return undefined;
  return {
    defaultAction: s.defaultAction,
    defaultErrnoRet: s.defaultErrnoRet,
    architectures: s.architectures,
    syscalls: (s.syscalls ?? []).map((c) => ({
      names: c.names,
      action: c.action,
      errnoRet: c.errnoRet,
      args: (c.args ?? []).map((a) => ({ index: a.index, value: a.value, valueTwo: a.valueTwo ?? 0, op: a.op })),
    })),
  };
}

describe.skipIf(!isRoot)('seccomp and capabilities match dockerd 20.10 (root, private dockerd)', () => {
  let dir: string;
  let d: PrivateDockerd;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ce-e2e-seccomp-parity-'));
    const capture = join(dir, 'capture-runtime.sh');
    writeFileSync(
      capture,
      `#!/bin/sh\nprev=""\nfor a in "$@"; do\n  if [ "$prev" = "--bundle" ] || [ "$prev" = "-b" ]; then cp "$a/config.json" "${dir}/captured/$(basename "$a").json"; fi\n  prev="$a"\ndone\nexec runc "$@"\n`,
      { mode: 0o755 },
    );
    mkdirSync(join(dir, 'captured'));
    const root = join(dir, 'rootfs');
    mkdirSync(join(root, 'bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
    symlinkSync('busybox', join(root, 'bin/true'));
    execFileSync('tar', ['--numeric-owner', '-C', root, '-cf', join(dir, 'image.tar'), '.']);
    d = (await startPrivateDockerd({ dir: join(dir, 'docker'), runtimes: { capture } })) as PrivateDockerd;
    const imported = await d.docker(['import', join(dir, 'image.tar'), IMAGE]);
    expect(imported.code, imported.stderr).toBe(0);
  });

  afterAll(async () => {
    if (d) await d.stop();
    if (dir) {
      expect(mountsUnder(dir)).toEqual([]);
      expect(processesMentioning(dir)).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * The config.json dockerd wrote for `docker run <flags> IMAGE true`. Where
   * the host's bounding set lacks a capability Docker asks for (--privileged,
   * --cap-add ALL), runc then fails; the config is recorded before that.
   */
  async function dockerSpec(flags: string[]): Promise<Spec> {
    const before = new Set(readdirSync(join(dir, 'captured')));
    const r = await d.docker(['run', '--rm', '--runtime', 'capture', ...flags, IMAGE, '/bin/true']);
    if (r.code !== 0) expect(r.stderr).toContain('unable to apply caps');
    const added = readdirSync(join(dir, 'captured')).filter((f) => !before.has(f));
    expect(added, r.stderr).toHaveLength(1);
    return JSON.parse(readFileSync(join(dir, 'captured', added[0]!), 'utf8')) as Spec;
  }

  it.each([
    [[] as string[], {}],
    [['--cap-add', 'SYS_ADMIN'], { add: ['SYS_ADMIN'] }],
    [['--cap-drop', 'ALL'], { drop: ['ALL'] }],
    [['--cap-drop', 'ALL', '--cap-add', 'NET_RAW'], { drop: ['ALL'], add: ['NET_RAW'] }],
    [['--cap-add', 'SYS_PTRACE', '--cap-add', 'SYS_TIME', '--cap-drop', 'SYS_CHROOT'], { add: ['SYS_PTRACE', 'SYS_TIME'], drop: ['SYS_CHROOT'] }],
    [['--cap-add', 'ALL'], { add: ['ALL'] }],
  ])('docker run %j', async (flags, changes) => {
    const spec = await dockerSpec(flags);
    const dockerCaps = spec.process!.capabilities?.bounding ?? [];
    const ours = tweakCapabilities(DEFAULT_CAPABILITIES, ALL_CAPABILITIES, changes);
    // docker's ALL is the capabilities its library knows that the kernel has; ours is ced's bounding set.
    if (!(changes as { add?: string[] }).add?.includes('ALL')) expect(new Set(ours)).toEqual(new Set(dockerCaps));
    const seccomp = seccompForContainer(defaultSeccompProfile(), { capabilities: dockerCaps });
    expect(normalize(seccomp)).toEqual(normalize(spec.linux!.seccomp));
  });

  it('docker run --privileged has no filter, masked or read-only paths, as ced\'s --privileged', async () => {
    const spec = await dockerSpec(['--privileged']);
    expect(spec.linux!.seccomp).toBeUndefined();
    expect(spec.linux!.maskedPaths ?? []).toEqual([]);
    expect(spec.linux!.readonlyPaths ?? []).toEqual([]);
  });
});
