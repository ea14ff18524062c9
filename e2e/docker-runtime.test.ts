// Root-only: Debian's dockerd (a private instance) running containers with `--runtime ce`, i.e. through
// containerd's runc shim calling ce-runc (create/start/state/kill/delete/exec/update/events...).
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs helper shared with the benchmarks
import { startPrivateDockerd } from '../tools/lib/private-dockerd.mjs';
import { mountsUnder, processesMentioning } from './support/leaks.js';
import { repoRoot } from './support/paths.js';

const isRoot = process.getuid?.() === 0;
const ceRunc = join(repoRoot, 'packages/runtime/bin/ce-runc.mjs');
const IMAGE = 'ce-e2e-busybox:latest';

interface DockerResult {
  code: number | null;
  stdout: string;
  stderr: string;
}
interface PrivateDockerd {
  client: string;
  host: string[];
  env: NodeJS.ProcessEnv;
  log: string;
  docker(args: string[], o?: { input?: string; timeoutMs?: number }): Promise<DockerResult>;
  stop(): Promise<void>;
}

/** A tar of a busybox-static root filesystem (every applet linked in /bin), for `docker import`. */
function busyboxRootfsTar(dir: string): string {
  const root = join(dir, 'rootfs');
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  for (const a of execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).trim().split('\n')) {
    if (a !== 'busybox') symlinkSync('busybox', join(root, 'bin', a));
  }
  for (const d of ['etc', 'proc', 'sys', 'dev', 'root']) mkdirSync(join(root, d), { recursive: true });
  mkdirSync(join(root, 'tmp'), { mode: 0o1777 });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nuser:x:1000:\n');
  const tar = join(dir, 'busybox.tar');
  execFileSync('tar', ['--numeric-owner', '-C', root, '-cf', tar, '.']);
  rmSync(root, { recursive: true, force: true });
  return tar;
}

/** Cgroup directories below the private dockerd's cgroup parent (named after this process) on any hierarchy. */
function dockerCgroupsLeft(): string[] {
  const prefix = `ce-test-docker-${process.pid}-`;
  const found: string[] = [];
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', h);
    try {
      for (const e of readdirSync(dir)) if (e.startsWith(prefix)) found.push(join(dir, e));
    } catch {
      // not a directory
    }
  }
  return found;
}

describe.skipIf(!isRoot)('docker run --runtime ce (root, private dockerd)', () => {
  let dir: string;
  let d: PrivateDockerd;
  const run = (args: string[], o?: { input?: string; timeoutMs?: number }) => d.docker(['run', '--runtime', 'ce', ...args], o);
  /** dockerd's log, to read when something fails: the shim's ce-runc errors are quoted there. */
  const explain = (r: DockerResult) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

  beforeAll(async () => {
    if (!existsSync(join(repoRoot, 'packages/runtime/dist/ce-runc.mjs'))) throw new Error('ce-runc is not built: run `npm run build -w @ce/runtime`');
    dir = mkdtempSync(join(tmpdir(), 'ce-e2e-docker-'));
    d = (await startPrivateDockerd({ dir, runtimes: { ce: ceRunc } })) as PrivateDockerd;
    const imported = await d.docker(['import', '-c', 'CMD ["sh"]', busyboxRootfsTar(dir), IMAGE]);
    expect(imported.code, explain(imported)).toBe(0);
  });

  afterAll(async () => {
    const problems: string[] = [];
    if (d) {
      const left = await d.docker(['ps', '-aq']);
      if (left.stdout.trim()) problems.push(`containers left: ${left.stdout.trim()}`);
      const ids = left.stdout.trim().split('\n').filter(Boolean);
      if (ids.length) await d.docker(['rm', '-f', ...ids]);
      await d.stop();
    }
    if (dir) {
      problems.push(...mountsUnder(dir).map((m) => `mount left: ${m}`));
      problems.push(...processesMentioning(dir).map((p) => `process left: ${p}`));
      rmSync(dir, { recursive: true, force: true });
    }
    problems.push(...dockerCgroupsLeft().map((c) => `cgroup left: ${c}`));
    expect(problems).toEqual([]);
  });

  it('runs a command, passes its output and exit code, and removes it (--rm)', async () => {
    const r = await run(['--rm', IMAGE, 'sh', '-c', 'echo hello from $(hostname); exit 3']);
    expect(r.code, explain(r)).toBe(3);
    expect(r.stdout).toMatch(/^hello from [0-9a-f]{12}\n$/);
  });

  it('-d with docker logs, docker exec, then docker stop', async () => {
    const name = `ce-d-${process.pid}`;
    const started = await run(['-d', '--name', name, IMAGE, 'sh', '-c', 'trap "echo bye; exit 0" TERM; echo up; while true; do sleep 0.1; done']);
    expect(started.code, explain(started)).toBe(0);
    try {
      let logs = await d.docker(['logs', name]);
      for (let i = 0; i < 100 && !logs.stdout.includes('up'); i++) {
        await new Promise((r) => setTimeout(r, 50));
        logs = await d.docker(['logs', name]);
      }
      expect(logs.stdout).toBe('up\n');
      const ex = await d.docker(['exec', '-e', 'X=1', name, 'sh', '-c', 'echo exec $X $(id -u); exit 4']);
      expect(ex.code, explain(ex)).toBe(4);
      expect(ex.stdout).toBe('exec 1 0\n');
      const top = await d.docker(['top', name]);
      expect(top.code, explain(top)).toBe(0);
      const stop = await d.docker(['stop', '-t', '10', name]);
      expect(stop.code, explain(stop)).toBe(0);
      expect((await d.docker(['logs', name])).stdout).toBe('up\nbye\n');
      expect((await d.docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name])).stdout.trim()).toBe('exited 0');
    } finally {
      await d.docker(['rm', '-f', name]);
    }
  });

  it('docker pause/unpause, docker update and docker stats go through ce-runc pause/resume/update', async () => {
    const name = `ce-pu-${process.pid}`;
    const started = await run(['-d', '--name', name, '--memory', '128m', IMAGE, 'sh', '-c', 'while true; do sleep 0.1; done']);
    expect(started.code, explain(started)).toBe(0);
    try {
      const paused = await d.docker(['pause', name]);
      expect(paused.code, explain(paused)).toBe(0);
      expect((await d.docker(['inspect', '-f', '{{.State.Status}}', name])).stdout.trim()).toBe('paused');
      const unpaused = await d.docker(['unpause', name]);
      expect(unpaused.code, explain(unpaused)).toBe(0);
      expect((await d.docker(['inspect', '-f', '{{.State.Status}}', name])).stdout.trim()).toBe('running');
      const updated = await d.docker(['update', '--memory', '96m', '--memory-swap', '96m', '--pids-limit', '50', name]);
      expect(updated.code, explain(updated)).toBe(0);
      const limits = await d.docker(['exec', name, 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/pids/pids.max']);
      expect(limits.stdout).toBe(`${96 << 20}\n50\n`);
      const stats = await d.docker(['stats', '--no-stream', '--format', '{{.MemUsage}}', name]);
      expect(stats.code, explain(stats)).toBe(0);
      expect(stats.stdout).toMatch(/ \/ 96MiB\n$/);
    } finally {
      await d.docker(['rm', '-f', name]);
    }
  });

  it('--memory 64m: a process allocating past it is OOM-killed (137, OOMKilled true)', async () => {
    const name = `ce-oom-${process.pid}`;
    const r = await run(['--name', name, '--memory', '64m', IMAGE, 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; a=xxxxxxxxxxxxxxxx; while true; do a="$a$a"; done'], {
      timeoutMs: 60_000,
    });
    try {
      expect(r.code, explain(r)).toBe(137);
      expect(r.stdout).toBe(`${64 << 20}\n`);
      expect((await d.docker(['inspect', '-f', '{{.State.OOMKilled}}', name])).stdout.trim()).toBe('true');
    } finally {
      await d.docker(['rm', '-f', name]);
    }
  });

  it('--pids-limit: forks past the limit fail', async () => {
    const r = await run(['--rm', '--pids-limit', '8', IMAGE, 'sh', '-c', 'cat /sys/fs/cgroup/pids/pids.max; for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 2 & done; echo unreachable']);
    expect(r.stdout).toBe('8\n');
    expect(r.stderr).toContain("can't fork: Resource temporarily unavailable");
    expect(r.code, explain(r)).toBe(2);
  });

  it('--read-only: the root filesystem refuses writes, tmpfs mounts do not', async () => {
    const r = await run(['--rm', '--read-only', '--tmpfs', '/scratch', IMAGE, 'sh', '-c', 'touch /x 2>&1; touch /scratch/y && echo scratch ok']);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toContain('Read-only file system');
    expect(r.stdout).toContain('scratch ok');
  });

  it('--cap-drop ALL: no capability left in any set', async () => {
    const r = await run(['--rm', '--cap-drop', 'ALL', IMAGE, 'sh', '-c', 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status; chown 1:1 /tmp 2>&1 || true']);
    expect(r.code, explain(r)).toBe(0);
    const caps = Object.fromEntries(r.stdout.trim().split('\n').slice(0, 5).map((l) => l.split(/:\s+/)));
    expect(caps).toEqual({ CapInh: '0000000000000000', CapPrm: '0000000000000000', CapEff: '0000000000000000', CapBnd: '0000000000000000', CapAmb: '0000000000000000' });
    expect(r.stdout).toContain('Operation not permitted');
  });

  it('--user 1000:1000: the process runs as that uid and gid', async () => {
    const r = await run(['--rm', '--user', '1000:1000', IMAGE, 'sh', '-c', 'echo $(id -u):$(id -g); touch /root/x 2>&1 || true']);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toMatch(/^1000:1000\n.*Permission denied/);
  });

  // Needs seccomp in @ce/runtime (landing from another branch): until then the profile is ignored with a warning and this fails.
  it('--security-opt seccomp=<profile>: a blocked syscall fails with EPERM', async () => {
    const profile = join(dir, 'no-mkdir.json');
    writeFileSync(
      profile,
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }],
      }),
    );
    const r = await run(['--rm', '--security-opt', `seccomp=${profile}`, IMAGE, 'sh', '-c', 'mkdir /tmp/d 2>&1; echo status $?']);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toMatch(/Operation not permitted\nstatus 1\n$/);
  });

  // Needs terminals (pty + --console-socket) in @ce/runtime (landing from another branch).
  it('an interactive TTY session (docker run -it) driven through a pty', async () => {
    const cmd = [d.client, ...d.host, 'run', '--rm', '-it', '--runtime', 'ce', IMAGE, 'sh'].map((a) => `'${a}'`).join(' ');
    // util-linux script gives docker a pty; our pipes drive it
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env: d.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    let closed = false;
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => {
        closed = true;
        resolve(code);
      }),
    );
    const waitOutput = async (re: RegExp) => {
      for (let i = 0; i < 600 && !re.test(output) && !closed; i++) await new Promise((r) => setTimeout(r, 50));
      return re.test(output);
    };
    try {
      // busybox's line editor follows its prompt with a cursor-position query (ESC [6n)
      expect(await waitOutput(/\/ # /), output).toBe(true);
      child.stdin.write('tty; echo "six times seven is $((6*7))"\n');
      expect(await waitOutput(/six times seven is 42/), output).toBe(true);
      expect(output).toContain('/dev/pts/0');
      child.stdin.write('exit 5\n');
      expect(await exited).toBe(5);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
