// Log drivers with the real binaries: json-file rotated by max-size/max-file (on by
// default), local, none; `ce logs` across rotated files, -f across rotations; Docker's
// wording for bad values, with nothing created.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { ce } from './support/ce.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';
import { ceBin } from './support/paths.js';

let daemon: TestDaemon;
const ids: string[] = [];

withBusyboxDaemon((d) => (daemon = d), ids);

const run = (args: string[]) => ce(args, { socket: daemon.socket });
const seq = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${from + i}\n`).join('');

/** Runs a container detached to its end; returns its id. */
async function ranToEnd(args: string[]): Promise<string> {
  const r = await run(['run', '-d', ...args]);
  expect(r.code, r.stderr).toBe(0);
  const id = r.stdout.trim();
  ids.push(id);
  expect((await run(['wait', id])).stdout).toBe('0\n');
  return id;
}

const containerDir = (id: string) => join(daemon.root, 'containers', id);
const record = (id: string) =>
  JSON.parse(readFileSync(join(containerDir(id), 'config.json'), 'utf8')) as { LogPath: string; HostConfig: { LogConfig: { Type: string; Config: Record<string, string> } } };

/** The log's files, oldest first, as they are on disk. */
function logFiles(dir: string, base: string): string[] {
  const names = readdirSync(dir).filter((n) => n === base || /^\.\d+(\.gz)?$/.test(n.slice(base.length)) && n.startsWith(base));
  const back = (n: string) => (n === base ? 0 : Number(n.slice(base.length + 1).replace(/\.gz$/, '')));
  return names.sort((a, b) => back(b) - back(a)).map((n) => join(dir, n));
}

const unpacked = (f: string) => (f.endsWith('.gz') ? gunzipSync(readFileSync(f)) : readFileSync(f));

describe('log drivers', () => {
  it('json-file rotates by max-size × max-file as Docker names it, and ce logs returns every kept line in order', async () => {
    const id = await ranToEnd(['--log-opt', 'max-size=10k', '--log-opt', 'max-file=3', 'busybox', 'seq', '1', '20000']);
    const files = logFiles(containerDir(id), `${id}-json.log`);
    expect(files.map((f) => f.slice(containerDir(id).length + 1))).toEqual([`${id}-json.log.2`, `${id}-json.log.1`, `${id}-json.log`]);
    for (const f of files) expect(statSync(f).size).toBeLessThanOrEqual(10_000);
    const kept = files.map((f) => readFileSync(f, 'utf8').trimEnd().split('\n').length).reduce((a, b) => a + b);
    const logs = await run(['logs', id]);
    expect(logs.stdout).toBe(seq(20000 - kept + 1, 20000));
    expect((await run(['logs', '--tail', '3', id])).stdout).toBe(seq(19998, 20000));
    // A tail reaching into the rotated files.
    expect((await run(['logs', '--tail', String(kept - 5), id])).stdout).toBe(seq(20000 - kept + 6, 20000));
    expect(record(id).HostConfig.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '10k', 'max-file': '3' } });
    expect(record(id).LogPath).toBe(join(containerDir(id), `${id}-json.log`));
  });

  it('json-file rotates by default (20m × 5), shown in the container config', async () => {
    const id = await ranToEnd(['busybox', 'echo', 'hi']);
    expect(record(id).HostConfig.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '20m', 'max-file': '5' } });
    const inspected = await run(['inspect', '--format', '{{json .HostConfig.LogConfig}} {{.LogPath}}', id]);
    // Go prints a map with its keys sorted.
    expect(inspected.stdout).toBe(`{"Type":"json-file","Config":{"max-file":"5","max-size":"20m"}} ${join(containerDir(id), `${id}-json.log`)}\n`);
    expect((await run(['logs', id])).stdout).toBe('hi\n');
  });

  it('json-file compress: rotated files are gzipped and still read', async () => {
    const id = await ranToEnd(['--log-opt', 'max-size=5k', '--log-opt', 'compress=true', 'busybox', 'seq', '1', '5000']);
    // As Docker's, the last rotated file is gzipped in the background: `wait` does not wait for it (bounded poll).
    const names = () => logFiles(containerDir(id), `${id}-json.log`).map((f) => f.slice(containerDir(id).length + 1 + id.length));
    await vi.waitFor(() => expect(names()).toEqual(['-json.log.4.gz', '-json.log.3.gz', '-json.log.2.gz', '-json.log.1.gz', '-json.log']), { timeout: 10_000, interval: 50 });
    const files = logFiles(containerDir(id), `${id}-json.log`);
    const kept = files.map((f) => unpacked(f).toString().trimEnd().split('\n').length).reduce((a, b) => a + b);
    expect((await run(['logs', id])).stdout).toBe(seq(5000 - kept + 1, 5000));
  });

  it('local: Docker local files (local-logs/container.log, compressed by default), read back with --tail and -t', async () => {
    const id = await ranToEnd(['--log-driver', 'local', '--log-opt', 'max-size=4k', 'busybox', 'sh', '-c', 'seq 1 3000; echo oops >&2']);
    const dir = join(containerDir(id), 'local-logs');
    const files = logFiles(dir, 'container.log');
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['container.log.4.gz', 'container.log.3.gz', 'container.log.2.gz', 'container.log.1.gz', 'container.log']);
    for (const f of files) expect(unpacked(f).length).toBeLessThanOrEqual(4000);
    const logs = await run(['logs', id]);
    const first = Number(logs.stdout.split('\n')[0]);
    expect(first).toBeGreaterThan(1);
    expect(logs.stdout).toBe(seq(first, 3000));
    expect(logs.stderr).toBe('oops\n');
    expect(await run(['logs', '--tail', '2', id])).toEqual({ code: 0, stdout: '3000\n', stderr: 'oops\n' });
    expect((await run(['logs', '-t', '--tail', '1', id])).stderr).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z oops\n$/);
    expect(record(id).HostConfig.LogConfig).toEqual({ Type: 'local', Config: { 'max-size': '4k' } });
    expect(record(id).LogPath).toBe(''); // as Docker's inspect shows a local log
  });

  for (const driver of ['json-file', 'local']) {
    it(`${driver}: -f goes on into each new file the shim rotates to, with no gap and no repeat`, async () => {
      const name = `follow-${driver}`;
      const started = await run([
        'run', '-d', '--name', name, '--log-driver', driver, '--log-opt', 'max-size=2k', '--log-opt', 'max-file=1000',
        'busybox', 'sh', '-c', 'trap "seq 1 5000; exit 0" USR1; echo ready; while true; do sleep 0.05; done',
      ]);
      expect(started.code, started.stderr).toBe(0);
      ids.push(started.stdout.trim());
      const child = spawn(process.execPath, [ceBin, '-H', daemon.socket, 'logs', '-f', name], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const ready = new Promise<void>((resolve) =>
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('ready\n')) resolve();
        }),
      );
      try {
        await ready;
        expect((await run(['kill', '-s', 'USR1', name])).code).toBe(0);
        expect(await ended).toBe(0);
        expect(stdout).toBe('ready\n' + seq(1, 5000));
      } finally {
        child.kill('SIGKILL');
      }
      const dir = driver === 'local' ? join(containerDir(started.stdout.trim()), 'local-logs') : containerDir(started.stdout.trim());
      expect(readdirSync(dir).length).toBeGreaterThan(20); // it did rotate, many times
    });
  }

  it('none: no log is kept; ce logs says so as Docker does; attached output still flows', async () => {
    const r = await run(['run', '--name', 'nolog', '--log-driver', 'none', 'busybox', 'echo', 'hi']);
    expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
    const logs = await run(['logs', 'nolog']);
    expect(logs.code).toBe(1);
    expect(logs.stdout).toBe('');
    expect(logs.stderr).toMatch(/Error response from daemon: configured logging driver does not support reading\n$/);
    const id = (await run(['ps', '-aq', '--no-trunc', '--filter', 'name=nolog'])).stdout.trim();
    ids.push(id);
    expect(readdirSync(containerDir(id)).filter((n) => n.includes('log'))).toEqual([]);
  });

  it('bad drivers and values: Docker 20.10 wording, exit 125, nothing created', async () => {
    const before = (await run(['ps', '-aq'])).stdout;
    const cases: [string[], string][] = [
      [['--log-driver', 'x'], `Error response from daemon: error looking up logging plugin x: plugin "x" not found.`],
      [['--log-opt', 'max-size=abc'], `Error response from daemon: failed to initialize logging driver: invalid size: 'abc'.`],
      [['--log-opt', 'max-size=0'], 'Error response from daemon: failed to initialize logging driver: max-size must be a positive number.'],
      [['--log-opt', 'max-file=0'], 'Error response from daemon: failed to initialize logging driver: max-file cannot be less than 1.'],
      [['--log-opt', 'max-file=x'], 'Error response from daemon: failed to initialize logging driver: strconv.Atoi: parsing "x": invalid syntax.'],
      [['--log-opt', 'compress=maybe'], 'Error response from daemon: failed to initialize logging driver: strconv.ParseBool: parsing "maybe": invalid syntax.'],
      [['--log-opt', 'foo=bar'], "Error response from daemon: unknown log opt 'foo' for json-file log driver."],
      [['--log-driver', 'local', '--log-opt', 'max-file=1'], 'Error response from daemon: failed to initialize logging driver: compression cannot be enabled when max file count is 1.'],
      [['--log-driver', 'local', '--log-opt', 'foo=bar'], "Error response from daemon: unknown log opt 'foo' for log driver local."],
      [['--log-driver', 'none', '--log-opt', 'max-size=1m'], 'invalid logging opts for driver none.'],
    ];
    for (const [flags, message] of cases) {
      for (const verb of ['run', 'create']) {
        const r = await run([verb, ...flags, 'busybox', 'true']);
        expect(r.code, `${verb} ${flags.join(' ')}`).toBe(125);
        expect(r.stderr, `${verb} ${flags.join(' ')}`).toBe(`ce: ${message}\nSee 'ce ${verb} --help'.\n`);
      }
    }
    expect((await run(['ps', '-aq'])).stdout).toBe(before);
  });
});
