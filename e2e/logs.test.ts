import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ce, ceArgv, pipedToHead } from './support/ce.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';
import { ceBin } from './support/paths.js';

let daemon: TestDaemon;
const ids: string[] = [];

withBusyboxDaemon((d) => (daemon = d), ids);

const run = (args: string[]) => ce(args, { socket: daemon.socket });

/** Runs a container to its end (attached, as ce run does) and returns its name. */
async function finished(name: string, script: string): Promise<string> {
  const r = await run(['run', '--name', name, 'busybox', 'sh', '-c', script]);
  expect(r.code).toBe(0);
  return name;
}

const TIMESTAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (.*)$/;

describe('ce logs', () => {
  it('writes stdout lines to stdout and stderr lines to stderr', async () => {
    const c = await finished('streams', 'echo out1; echo err1 >&2; echo out2; echo err2 >&2');
    const r = await run(['logs', c]);
    expect(r).toEqual({ code: 0, stdout: 'out1\nout2\n', stderr: 'err1\nerr2\n' });
  });

  it('shows the last lines with --tail, all with --tail all, none with --tail 0', async () => {
    const c = await finished('counter', 'seq 1 10');
    expect((await run(['logs', '--tail', '3', c])).stdout).toBe('8\n9\n10\n');
    expect((await run(['logs', '-n', '1', c])).stdout).toBe('10\n');
    expect((await run(['logs', '--tail', 'all', c])).stdout).toBe('1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n');
    expect((await run(['logs', '--tail', '0', c])).stdout).toBe('');
    expect((await run(['logs', '--tail', '50', c])).stdout.split('\n')).toHaveLength(11);
  });

  it('prefixes each line with its RFC3339Nano time with -t', async () => {
    const c = await finished('stamped', 'echo hello; echo world >&2');
    const r = await run(['logs', '-t', c]);
    const out = r.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(TIMESTAMPED);
    expect(TIMESTAMPED.exec(out[0]!)![2]).toBe('hello');
    expect(r.stderr).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z world\n$/);
    const t = Date.parse(TIMESTAMPED.exec(out[0]!)![1]!);
    expect(Math.abs(Date.now() - t)).toBeLessThan(60_000);
  });

  it('filters with --since and --until: RFC 3339 times, Unix seconds and durations', async () => {
    const c = await finished('timed', 'echo a; sleep 0.3; echo b; sleep 0.3; echo c');
    const lines = (await run(['logs', '-t', c])).stdout.trimEnd().split('\n').map((l) => TIMESTAMPED.exec(l)!);
    expect(lines.map((m) => m[2])).toEqual(['a', 'b', 'c']);
    const tb = lines[1]![1]!;
    expect((await run(['logs', '--since', tb, c])).stdout).toBe('b\nc\n');
    expect((await run(['logs', '--until', tb, c])).stdout).toBe('a\nb\n');
    expect((await run(['logs', '--since', tb, '--until', tb, c])).stdout).toBe('b\n');
    const unix = (iso: string) => `${Math.floor(Date.parse(iso) / 1000)}.${iso.slice(20, 29)}`;
    expect((await run(['logs', '--since', unix(tb), c])).stdout).toBe('b\nc\n');
    expect((await run(['logs', '--since', '1h', c])).stdout).toBe('a\nb\nc\n');
    expect((await run(['logs', '--until', '1h', c])).stdout).toBe('');
    const bad = await run(['logs', '--since', 'yesterday', c]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid value for "since": failed to parse value as time or duration: "yesterday"');
  });

  it('follows with -f: prints lines written after it started and ends when the container exits', async () => {
    const started = await run(['run', '-d', '--name', 'follow', 'busybox', 'sh', '-c', 'trap "echo got-usr1; echo bye >&2; exit 0" USR1; echo ready; while true; do sleep 0.05; done']);
    expect(started.code).toBe(0);
    ids.push(started.stdout.trim());
    const child = spawn(process.execPath, [ceBin, '-H', daemon.socket, 'logs', '-f', 'follow'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('ready\n')) resolve();
      }),
    );
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await ready;
      expect(child.exitCode).toBeNull();
      expect((await run(['kill', '-s', 'USR1', 'follow'])).code).toBe(0);
      expect(await ended).toBe(0);
      expect(stdout).toBe('ready\ngot-usr1\n');
      expect(stderr).toBe('bye\n');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('ends -f at its --until time while the container still runs, as Docker does', async () => {
    const started = await run(['run', '-d', '--name', 'ticker', 'busybox', 'sh', '-c', 'while true; do echo tick; sleep 0.1; done']);
    expect(started.code).toBe(0);
    ids.push(started.stdout.trim());
    const until = String(Math.floor(Date.now() / 1000) + 2);
    const r = await run(['logs', '-f', '--until', until, 'ticker']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^(tick\n)+$/);
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(Number(until));
    expect((await run(['rm', '-f', 'ticker'])).code).toBe(0);
  });

  it('closes the log when a reader goes away while ced waits for it to take more', async () => {
    const c = await finished('big', 'yes 0123456789012345678901234567890123456789 | head -n 200000');
    const logFds = () =>
      readdirSync(`/proc/${daemon.process.pid}/fd`).filter((fd) => {
        try {
          return readlinkSync(`/proc/${daemon.process.pid}/fd/${fd}`).endsWith('-json.log');
        } catch {
          return false;
        }
      });
    const child = spawn(process.execPath, [ceBin, '-H', daemon.socket, 'logs', c], { stdio: ['ignore', 'pipe', 'ignore'] });
    const ended = new Promise<void>((resolve) => child.on('close', () => resolve()));
    // Read one chunk, then stop reading: ced fills the connection and waits for it to drain.
    await new Promise<void>((resolve) => child.stdout.once('data', () => (child.stdout.pause(), resolve())));
    expect(logFds()).toHaveLength(1);
    child.kill('SIGKILL');
    await ended;
    const deadline = Date.now() + 10_000;
    while (logFds().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(logFds()).toEqual([]);
  });

  it('ends quietly when its reader closes the pipe (ce logs | head)', async () => {
    const c = await finished('piped', 'seq 1 100000');
    const r = await pipedToHead(ceArgv(daemon.socket, 'logs', c), 2);
    expect(r.out).toBe('1\n2\n');
    // As docker logs, killed by SIGPIPE: 141 and nothing on stderr.
    expect(r.err).toBe('status:141\n');
  });

  it('follows nothing for a container that is not running: -f prints the log and ends', async () => {
    const c = await finished('done', 'echo over');
    expect(await run(['logs', '-f', c])).toEqual({ code: 0, stdout: 'over\n', stderr: '' });
  });

  it('is empty for a container never started', async () => {
    const created = await run(['create', '--name', 'never', 'busybox', 'echo', 'hi']);
    expect(created.code).toBe(0);
    expect(await run(['logs', 'never'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await run(['logs', '-f', 'never'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('says No such container for an unknown or removed container', async () => {
    expect(await run(['logs', 'nothing-here'])).toEqual({ code: 1, stdout: '', stderr: 'ce: Error: No such container: nothing-here\n' });
    await finished('gone', 'echo x');
    expect((await run(['rm', 'gone'])).code).toBe(0);
    expect(await run(['logs', 'gone'])).toEqual({ code: 1, stdout: '', stderr: 'ce: Error: No such container: gone\n' });
  });
});
