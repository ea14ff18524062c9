// ce-container-init alone (what `--init` mounts at /sbin/docker-init): it reaps
// orphans as pid 1, forwards signals to its child and exits with the child's status.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { containerInitPath } from '../../src/index.js';

const BUSYBOX = '/bin/busybox';
const isRoot = process.getuid?.() === 0;
const missing = !isRoot ? 'needs root (a pid namespace)' : !existsSync(BUSYBOX) ? 'needs busybox-static' : undefined;

/** Counts processes other than pid 1 and the shell itself, and zombies among them, until none is left (at most ~10 s). */
const ORPHANS_GONE = `
for i in 1 2 3 4 5 6 7 8; do ( ( ${BUSYBOX} sleep 0.0$i; exit $i ) & ) ; done
for i in 1 2 3 4 5 6 7 8; do ( ${BUSYBOX} true & ) ; done
n=0
while :; do
  others=0; zombies=0
  for s in /proc/[0-9]*/stat; do
    read -r pid comm state rest 2>/dev/null < "$s" || continue
    [ "$pid" = 1 ] || [ "$pid" = $$ ] || [ "$comm" = "(cat)" ] && continue
    others=$((others + 1)); [ "$state" = Z ] && zombies=$((zombies + 1))
  done
  [ $others = 0 ] && { echo "left 0 zombies 0 after $n"; exit 0; }
  n=$((n + 1)); [ $n -gt 1000 ] && { echo "left $others zombies $zombies"; exit 1; }
  ${BUSYBOX} usleep 10000
done`;

/** The state letter of /proc/<pid>/stat, or 'gone'. */
function processState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]!;
  } catch {
    return 'gone';
  }
}

function lines(child: ChildProcess): AsyncIterator<string> {
  return createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
}

async function nextLine(it: AsyncIterator<string>): Promise<string> {
  const r = await it.next();
  if (r.done) throw new Error('stdout ended');
  return r.value;
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe.skipIf(missing)(`ce-container-init ${missing ? `(skipped: ${missing})` : ''}`, () => {
  const init = containerInitPath();

  it('is a static executable', () => {
    const r = spawnSync('ldd', [init], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toMatch(/not a dynamic executable|statically linked/);
  });

  it('as pid 1, reaps the double-forked orphans that exit, leaving no zombie', () => {
    const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', init, '--', BUSYBOX, 'sh', '-c', ORPHANS_GONE], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^left 0 zombies 0 after \d+\n$/);
    expect(r.status).toBe(0);
  });

  it('a pid 1 that never waits leaves those zombies: the check above can fail', () => {
    // busybox head as pid 1 does not reap: the orphans it inherits stay zombies until the checker says it is done.
    const dir = mkdtempSync(join(tmpdir(), 'ce-container-init-'));
    try {
      const fifo = join(dir, 'done');
      const checker = ORPHANS_GONE.replaceAll("'", `'\\''`).replace('[ $n -gt 1000 ]', '[ $n -gt 50 ]');
      const script = `${BUSYBOX} mkfifo ${fifo}; (${BUSYBOX} sh -c '${checker}'; echo done > ${fifo}) & exec ${BUSYBOX} head -n 1 ${fifo}`;
      const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', BUSYBOX, 'sh', '-c', script], { encoding: 'utf8', timeout: 30_000 });
      expect(r.stdout).toMatch(/^left \d+ zombies [1-9]\d*\ndone\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('forwards SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 and SIGWINCH to its child', async () => {
    const names = ['HUP', 'INT', 'USR1', 'USR2', 'WINCH', 'TERM'] as const;
    const traps = names.map((n) => `trap 'echo got ${n}${n === 'TERM' ? '; exit 42' : ''}' ${n}`).join('; ');
    const child = spawn(init, ['-s', '--', BUSYBOX, 'sh', '-c', `${traps}; echo ready; while :; do ${BUSYBOX} usleep 5000; done`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = exitOf(child);
    const out = lines(child);
    expect(await nextLine(out)).toBe('ready');
    for (const n of names) {
      child.kill(`SIG${n}`);
      expect(await nextLine(out)).toBe(`got ${n}`);
    }
    expect(await exited).toEqual({ code: 42, signal: null });
  });

  it('exits with the child exit code, 128 + the signal that killed it, 127 / 126 when it cannot exec', () => {
    const run = (...args: string[]) => spawnSync(init, ['-s', '--', ...args], { encoding: 'utf8' });
    expect(run(BUSYBOX, 'sh', '-c', 'exit 7').status).toBe(7);
    expect(run(BUSYBOX, 'sh', '-c', 'kill -KILL $$').status).toBe(137);
    expect(run(BUSYBOX, 'sh', '-c', 'kill -TERM $$').status).toBe(143);
    const notFound = run('/no/such/program');
    expect(notFound.status).toBe(127);
    expect(notFound.stderr).toMatch(/exec \/no\/such\/program failed: No such file or directory/);
    expect(run('/etc/passwd').status).toBe(126);
  });

  it('with -g, signals the whole process group of its child', async () => {
    const child = spawn(init, ['-s', '-g', '--', BUSYBOX, 'sh', '-c', `${BUSYBOX} sleep 1000 & echo $!; wait`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = exitOf(child);
    const sleeper = Number(await nextLine(lines(child)));
    try {
      expect(['S', 'R']).toContain(processState(sleeper));
      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: 143, signal: null });
      // The sleeper got the same SIGTERM: it is gone, or a zombie its new parent has yet to reap.
      expect(['gone', 'Z']).toContain(processState(sleeper));
    } finally {
      if (!['gone', 'Z'].includes(processState(sleeper))) process.kill(sleeper, 'SIGKILL');
    }
  });

  it('refuses a missing program with its usage and prints a version', () => {
    const none = spawnSync(init, [], { encoding: 'utf8' });
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^Usage: docker-init/);
    expect(spawnSync(init, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^ce container-init version \d+\.\d+\.\d+\n$/);
  });
});
