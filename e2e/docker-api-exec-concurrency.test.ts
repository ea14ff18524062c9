// Issue 12: concurrent execs through the Docker API each end. An exec that
// writes nothing and exits at once (`true`) could exit before the shim took
// its pipes, and its hijacked POST /exec/{id}/start then never ended. A
// stress test: it needs many short execs at once to meet that interleaving
// (without the fix about 1 in 200 hung), so it runs a bounded number of them.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { runSleepingBusybox } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { DOCKER_CLIENT, dockerCli, dockerClientMissing, dockerSocketOf } from './support/docker-cli.js';
import { ptyMissing, runInPty } from './support/pty.js';
import { httpOverUnix } from '../packages/docker-api/test/support/http-over-unix.js';

/** POST /exec/{id}/start upgraded, as the docker client sends it; resolves with what came once ced ends the stream. */
function hijackedStart(socketPath: string, execId: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ Detach: false, Tty: false });
    const req = request({
      socketPath,
      method: 'POST',
      path: `/v1.41/exec/${execId}/start`,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'Upgrade', Upgrade: 'tcp' },
    });
    req.on('upgrade', (_res, socket, head) => {
      const chunks: Buffer[] = [head];
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('end', () => {
        socket.end();
        resolve(Buffer.concat(chunks));
      });
      socket.on('error', reject);
    });
    req.on('response', (res) => reject(new Error(`exec start answered ${res.statusCode} instead of upgrading`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** `promise`, or an error naming `what` once `ms` have passed without it settling. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Runs `job` `rounds` times in each of `workers` concurrent loops. */
async function concurrently(workers: number, rounds: number, job: (worker: number, round: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; i < rounds; i++) await job(w, i);
  }));
}

describe.skipIf(dockerClientMissing !== '')(`concurrent execs on the Docker API ${dockerClientMissing}`, () => {
  let daemon: TestDaemon;
  let container: string;

  beforeAll(async () => {
    daemon = await startTestDaemon();
    await importBusyboxImage(daemon.socket);
    container = await runSleepingBusybox(daemon.socket);
  }, 120_000);

  afterAll(async () => {
    await daemon?.dispose();
  });

  it('every hijacked exec start of a silent, instant command ends, with its exit code kept', async () => {
    const sock = dockerSocketOf(daemon);
    const hung: string[] = [];
    await concurrently(8, 100, async () => {
      const created = await httpOverUnix(sock, 'POST', `/v1.41/containers/${container}/exec`, { json: { AttachStdout: true, AttachStderr: true, Cmd: ['true'] } });
      expect(created.status).toBe(201);
      const id = JSON.parse(created.body).Id as string;
      try {
        expect((await within(hijackedStart(sock, id), 10_000, `exec ${id}'s stream`)).length).toBe(0);
      } catch (err) {
        hung.push((err as Error).message);
        return;
      }
      expect(JSON.parse((await httpOverUnix(sock, 'GET', `/v1.41/exec/${id}/json`)).body)).toMatchObject({ Running: false, ExitCode: 0 });
    });
    expect(hung).toEqual([]);
  }, 300_000);

  it('concurrent docker exec, with and without -i, each end with their output and exit code', async () => {
    const results: string[] = [];
    await concurrently(6, 10, async (w, i) => {
      const silent = await dockerCli(['exec', container, 'true'], { daemon, timeoutMs: 20_000 });
      results.push(`true:${silent.code}:${silent.stdout}`);
      const piped = await dockerCli(['exec', '-i', container, 'sh', '-c', 'cat; exit 3'], { daemon, input: `${w}.${i}\n`, timeoutMs: 20_000 });
      results.push(`cat:${piped.code}:${piped.stdout === `${w}.${i}\n`}`);
    });
    expect(results.filter((r) => r !== 'true:0:' && r !== 'cat:3:true')).toEqual([]);
    expect(results).toHaveLength(120);
  }, 300_000);

  it('concurrent docker exec -t of a silent, instant command each end', async (ctx) => {
    if (ptyMissing) return ctx.skip(ptyMissing);
    const env = { ...process.env, DOCKER_HOST: `unix://${dockerSocketOf(daemon)}`, DOCKER_CONFIG: `${daemon.dir}/docker-config` };
    const codes: number[] = [];
    await concurrently(4, 8, async () => {
      const t = runInPty([DOCKER_CLIENT, 'exec', '-t', container, 'true'], { rows: 24, cols: 80 }, env);
      try {
        codes.push(await within(t.exited, 20_000, 'docker exec -t'));
      } finally {
        t.kill();
      }
    });
    expect(codes).toEqual(Array(32).fill(0));
  }, 300_000);
});
