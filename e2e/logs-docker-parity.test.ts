// `ce logs` against `docker logs` (Docker 20.10, a private dockerd) for the same workload in the
// same image: the same bytes on each stream. Where ce deliberately differs, the test says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ce, ceArgv, pipedToHead } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { dockerPeerMissing, startDockerPeer, type CommandResult, type DockerPeer, type PrivateDockerd } from './support/docker-peer.js';


const IMAGE = 'ce-e2e/logs-parity:latest';

let peer: DockerPeer | undefined;
let daemon: TestDaemon;
let dockerd: PrivateDockerd;

const ceRun = (args: string[]) => ce(args, { socket: daemon.socket });
const strip = (r: CommandResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr.replace(/^ce: /, '') });

/** Runs the same script to its end in a container of each engine, named `name`. */
async function inBoth(name: string, script: string): Promise<void> {
  const [c, d] = await Promise.all([
    ceRun(['run', '--name', name, IMAGE, 'sh', '-c', script]),
    dockerd.docker(['run', '--name', name, IMAGE, 'sh', '-c', script]),
  ]);
  expect(c.code, c.stderr).toBe(0);
  expect(d.code, d.stderr).toBe(0);
}

async function logsOfBoth(args: string[]): Promise<{ ce: CommandResult; docker: CommandResult }> {
  const [c, d] = await Promise.all([ceRun(['logs', ...args]), dockerd.docker(['logs', ...args])]);
  return { ce: strip(c), docker: d };
}

describe.skipIf(dockerPeerMissing !== undefined)('ce logs matches docker logs (Docker 20.10)', () => {
  beforeAll(async () => {
    peer = await startDockerPeer('logs-parity', IMAGE);
    ({ dockerd, daemon } = peer);
  }, 180_000);

  afterAll(async () => {
    await peer?.dispose();
  }, 120_000);

  it('the same lines on the same streams, with --tail, and for a last line without a newline', async () => {
    // stdout and stderr are two pipes: how their lines interleave in a log is up to the
    // scheduler, in Docker as in ce. Per stream, the whole log does not depend on it; a
    // --tail that counts across streams is compared on one stream only.
    await inBoth('mixed', 'echo out1; echo err1 >&2; seq 1 5; echo; echo err2 >&2; printf "no newline"');
    await inBoth('one-stream', 'echo out1; seq 1 5; echo; printf "no newline"');
    for (const args of [[], ['--tail', '0'], ['-n', 'all'], ['--tail', 'x'], ['--since', '1h'], ['--until', '1h'], ['--details']]) {
      const r = await logsOfBoth([...args, 'mixed']);
      expect(r.ce, args.join(' ')).toEqual(r.docker);
    }
    for (const args of [['--tail', '3'], ['-n', '1'], ['--tail', '100']]) {
      const r = await logsOfBoth([...args, 'one-stream']);
      expect(r.ce, args.join(' ')).toEqual(r.docker);
    }
  });

  it('-t: the same time format', async () => {
    await inBoth('stamped', 'echo a; echo b >&2');
    const r = await logsOfBoth(['-t', 'stamped']);
    const detailed = await logsOfBoth(['-t', '--details', 'stamped']);
    const form = (s: string) => s.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /gm, '<time> ');
    expect(form(r.ce.stdout)).toBe('<time> a\n');
    expect(form(r.ce.stdout)).toBe(form(r.docker.stdout));
    expect(form(r.ce.stderr)).toBe(form(r.docker.stderr));
    expect(form(detailed.ce.stdout)).toBe(form(detailed.docker.stdout));
  });

  it('a line longer than 16 KiB comes back whole', async () => {
    await inBoth('long', 'head -c 40000 /dev/zero | tr "\\0" y; echo; echo short');
    const r = await logsOfBoth(['long']);
    expect(r.ce).toEqual(r.docker);
    expect(r.ce.stdout).toBe(`${'y'.repeat(40000)}\nshort\n`);
    // Docker counts each 16 KiB piece as a line (--tail 2 gives the last piece and "short");
    // ce counts the joined line once, as the user sees it.
    expect((await ceRun(['logs', '--tail', '2', 'long'])).stdout).toBe(r.ce.stdout);
    expect((await dockerd.docker(['logs', '--tail', '2', 'long'])).stdout).toMatch(/^y{1,16384}\nshort\n$/);
  });

  it('piped into head: the same lines, and killed by SIGPIPE (141) with nothing on stderr', async () => {
    await inBoth('piped', 'seq 1 100000');
    const d = await pipedToHead([dockerd.client, ...dockerd.host, 'logs', 'piped'], 2, dockerd.env);
    const c = await pipedToHead(ceArgv(daemon.socket, 'logs', 'piped'), 2);
    expect(d).toEqual({ out: '1\n2\n', err: 'status:141\n' });
    expect(c).toEqual(d);
  });

  it('log drivers: rotated json-file and local logs read back the same; none refuses reading with the same words', async () => {
    for (const [name, opts] of [
      ['rot-json', ['--log-opt', 'max-size=10k', '--log-opt', 'max-file=3']],
      ['rot-json-gz', ['--log-opt', 'max-size=10k', '--log-opt', 'max-file=3', '--log-opt', 'compress=true']],
      ['rot-local', ['--log-driver', 'local', '--log-opt', 'max-size=10k', '--log-opt', 'max-file=3']],
    ] as const) {
      const [c, d] = await Promise.all([
        ceRun(['run', '-d', '--name', name, ...opts, IMAGE, 'seq', '1', '20000']),
        dockerd.docker(['run', '-d', '--name', name, ...opts, IMAGE, 'seq', '1', '20000']),
      ]);
      expect(c.code, c.stderr).toBe(0);
      expect(d.code, d.stderr).toBe(0);
      await Promise.all([ceRun(['wait', name]), dockerd.docker(['wait', name])]);
      // Where each engine cuts its files differs (Docker passes max-size by one entry, and its
      // times are longer); the newest lines, and every line in order, are the same.
      const r = await logsOfBoth(['--tail', '200', name]);
      expect(r.ce, name).toEqual(r.docker);
      expect(r.ce.stdout).toBe(Array.from({ length: 200 }, (_, i) => `${19801 + i}\n`).join(''));
      const all = await logsOfBoth([name]);
      for (const out of [all.ce.stdout, all.docker.stdout]) {
        const first = Number(out.slice(0, out.indexOf('\n')));
        expect(out).toBe(Array.from({ length: 20001 - first }, (_, i) => `${first + i}\n`).join(''));
      }
    }
    const [c, d] = await Promise.all([
      ceRun(['run', '--name', 'nolog', '--log-driver', 'none', IMAGE, 'echo', 'hi']),
      dockerd.docker(['run', '--name', 'nolog', '--log-driver', 'none', IMAGE, 'echo', 'hi']),
    ]);
    expect(strip(c)).toEqual(d);
    const r = await logsOfBoth(['nolog']);
    expect(r.ce).toEqual(r.docker);
    expect(r.ce).toEqual({ code: 1, stdout: '', stderr: 'Error response from daemon: configured logging driver does not support reading\n' });
  });

  it('bad log drivers and values: the same words from run (Docker reports values at start, ce at create)', async () => {
    // Docker's client adds a line about the start it gave up waiting for; ce has nothing to wait for.
    // For an error at create both print "See '… run --help'.", for one at start Docker does not: ce
    // refuses the values at create, so it does.
    const words = (r: CommandResult) => ({
      code: r.code,
      stderr: r.stderr
        .replace(/^(ce|docker): /, '')
        .replace(/^time=.*context canceled"\n/m, '')
        .replace(/^See '(ce|docker) run --help'\.\n/m, ''),
    });
    for (const flags of [
      ['--log-driver', 'x'],
      ['--log-opt', 'max-size=abc'],
      ['--log-opt', 'max-size=0'],
      ['--log-opt', 'max-file=0'],
      ['--log-opt', 'max-file=x'],
      ['--log-opt', 'compress=maybe'],
      ['--log-opt', 'foo=bar'],
      ['--log-driver', 'local', '--log-opt', 'max-size=abc'],
      ['--log-driver', 'local', '--log-opt', 'max-file=1'],
      ['--log-driver', 'local', '--log-opt', 'foo=bar'],
      ['--log-driver', 'none', '--log-opt', 'max-size=1m'],
    ]) {
      const [c, d] = await Promise.all([ceRun(['run', '--rm', ...flags, IMAGE, 'true']), dockerd.docker(['run', '--rm', ...flags, IMAGE, 'true'])]);
      expect(words(c), flags.join(' ')).toEqual(words(d));
    }
  });

  it('a container never started: no output; an unknown one: the same error', async () => {
    await Promise.all([ceRun(['create', '--name', 'fresh', IMAGE, 'echo', 'x']), dockerd.docker(['create', '--name', 'fresh', IMAGE, 'echo', 'x'])]);
    const fresh = await logsOfBoth(['fresh']);
    expect(fresh.ce).toEqual(fresh.docker);
    expect(fresh.ce).toEqual({ code: 0, stdout: '', stderr: '' });
    const unknown = await logsOfBoth(['nothing-here']);
    expect(unknown.ce).toEqual(unknown.docker);
  });
});
