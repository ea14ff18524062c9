// Issue 12: dockerode from npm against a test ced's docker.sock, the calls a
// Node project makes with nothing else: createContainer (Env, Labels, a bind
// mount, a published port), start, wait for the exit code, remove, and
// buildImage from a tar context with its progress followed to the end, then
// a run of the built image.
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { dockerSocketOf } from './support/docker-cli.js';
import { httpGet } from './support/network-probes.js';

interface BuildEvent {
  stream?: string;
  aux?: { ID: string };
  error?: string;
  errorDetail?: { code?: number; message: string };
}

/** A container's whole log, stdout and stderr apart, with docker-modem's demuxer. */
async function logsOf(docker: Docker, container: Docker.Container): Promise<{ stdout: string; stderr: string }> {
  const raw = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
  const out = new PassThrough();
  const err = new PassThrough();
  const texts = { stdout: '', stderr: '' };
  out.on('data', (d: Buffer) => (texts.stdout += d.toString()));
  err.on('data', (d: Buffer) => (texts.stderr += d.toString()));
  const source = new PassThrough();
  docker.modem.demuxStream(source, out, err);
  await new Promise<void>((resolve) => source.end(raw, resolve));
  return texts;
}

/** POST /build with a tar context, its JSON progress followed to the end (docker-modem's followProgress). */
function build(docker: Docker, contextTar: string, options: Record<string, unknown>): Promise<{ events: BuildEvent[]; error?: unknown }> {
  return new Promise((resolve, reject) => {
    docker.buildImage(createReadStream(contextTar), options).then(
      (stream) => docker.modem.followProgress(stream, (error: unknown, events: BuildEvent[]) => resolve({ events, error: error ?? undefined })),
      reject,
    );
  });
}

describe('dockerode against ced', () => {
  let daemon: TestDaemon;
  let docker: Docker;
  let work: string;

  beforeAll(async () => {
    daemon = await startTestDaemon();
    await importBusyboxImage(daemon.socket);
    docker = new Docker({ socketPath: dockerSocketOf(daemon) });
    work = mkdtempSync(join(tmpdir(), 'ce-e2e-dockerode-'));
  });

  afterAll(async () => {
    if (daemon) {
      const left = await ce(['ps', '-aq', '--filter', 'label=ce.e2e=dockerode'], { socket: daemon.socket });
      for (const id of left.stdout.split('\n').filter(Boolean)) await ce(['rm', '-f', id], { socket: daemon.socket });
      await daemon.dispose();
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('creates a container with Env, Labels and a bind mount, starts it, waits for its exit code and removes it', async () => {
    const shared = join(work, 'shared');
    mkdirSync(shared);
    writeFileSync(join(shared, 'in.txt'), 'from the host\n');
    const container = await docker.createContainer({
      name: `dockerode-made-${process.pid}`,
      Image: 'busybox',
      Cmd: ['sh', '-c', 'cat /shared/in.txt; echo "$GREETING" > /shared/out.txt; echo to-stderr >&2; exit 3'],
      Env: ['GREETING=hello from dockerode'],
      Labels: { 'ce.e2e': 'dockerode', team: 'blue' },
      HostConfig: { Binds: [`${shared}:/shared`] },
    });
    expect(container.id).toMatch(/^[0-9a-f]{64}$/);
    const created = await container.inspect();
    expect(created.State.Status).toBe('created');
    expect(created.Name).toBe(`/dockerode-made-${process.pid}`);
    expect(created.Config.Env).toContain('GREETING=hello from dockerode');
    expect(created.Config.Labels).toEqual({ 'ce.e2e': 'dockerode', team: 'blue' });
    expect(created.HostConfig.Binds).toEqual([`${shared}:/shared`]);
    expect(created.Mounts).toEqual([expect.objectContaining({ Type: 'bind', Source: shared, Destination: '/shared', RW: true })]);

    const waiting = container.wait({ condition: 'next-exit' });
    await container.start();
    expect(await waiting).toEqual({ Error: null, StatusCode: 3 });
    expect(await container.wait()).toEqual({ Error: null, StatusCode: 3 });
    expect(readFileSync(join(shared, 'out.txt'), 'utf8')).toBe('hello from dockerode\n');
    expect(await logsOf(docker, container)).toEqual({ stdout: 'from the host\n', stderr: 'to-stderr\n' });
    expect((await container.inspect()).State).toMatchObject({ Status: 'exited', ExitCode: 3, Running: false });

    await container.remove();
    const gone = await container.inspect().then(() => undefined, (err: { statusCode?: number; json?: { message?: string } }) => err);
    expect(gone).toMatchObject({ statusCode: 404, json: { message: `No such container: ${container.id}` } });
    const again = await container.remove().then(() => undefined, (err: { statusCode?: number }) => err);
    expect(again).toMatchObject({ statusCode: 404 });
  });

  it('publishes a port with PortBindings, serves on it from the host, stops and force-removes', async () => {
    const container = await docker.createContainer({
      Image: 'busybox',
      Cmd: ['sh', '-c', 'mkdir -p /www && echo served-through-dockerode > /www/index.html && exec httpd -f -p 80 -h /www'],
      Labels: { 'ce.e2e': 'dockerode' },
      ExposedPorts: { '80/tcp': {} },
      HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    await container.start();
    const ports = (await container.inspect()).NetworkSettings.Ports['80/tcp'];
    expect(ports).toEqual([{ HostIp: '127.0.0.1', HostPort: expect.stringMatching(/^\d+$/) }]);
    expect(await httpGet('127.0.0.1', Number(ports![0]!.HostPort), '/index.html')).toBe('served-through-dockerode\n');
    // httpd as pid 1 ignores SIGTERM: stop ends it with SIGKILL after t seconds.
    await container.stop({ t: 1 });
    expect((await container.wait()).StatusCode).toBe(137);
    await container.start();
    await container.remove({ force: true, v: true });
    expect((await ce(['ps', '-aq', '--filter', 'label=ce.e2e=dockerode'], { socket: daemon.socket })).stdout).toBe('');
  });

  it('builds an image from a tar context with buildImage, following its progress to the end, and runs it', async () => {
    const context = join(work, 'context');
    mkdirSync(context);
    writeFileSync(join(context, 'Dockerfile'), 'FROM busybox\nARG WHO\nCOPY greeting.txt /greeting.txt\nRUN echo "built for $WHO" >> /greeting.txt\nCMD ["cat", "/greeting.txt"]\n');
    writeFileSync(join(context, 'greeting.txt'), 'copied from the context\n');
    const contextTar = join(work, 'context.tar');
    execFileSync('tar', ['-C', context, '-cf', contextTar, 'Dockerfile', 'greeting.txt']);

    const { events, error } = await build(docker, contextTar, { t: `dockerode-built:${process.pid}`, buildargs: { WHO: 'dockerode' } });
    expect(error).toBeUndefined();
    const text = events.map((e) => e.stream ?? '').join('');
    expect(text).toMatch(/^Step 1\/5 : FROM busybox\n/);
    const id = /Successfully built ([0-9a-f]{12})\n/.exec(text)?.[1];
    expect(id, text).toBeDefined();
    expect(text).toMatch(new RegExp(`Successfully tagged dockerode-built:${process.pid}\\n$`));
    expect(events.find((e) => e.aux)?.aux?.ID).toMatch(new RegExp(`^sha256:${id}[0-9a-f]{52}$`));

    const image = await docker.getImage(`dockerode-built:${process.pid}`).inspect();
    expect(image.Id.slice(7, 19)).toBe(id);
    const run = await docker.createContainer({ Image: `dockerode-built:${process.pid}`, Labels: { 'ce.e2e': 'dockerode' } });
    await run.start();
    expect(await run.wait()).toEqual({ Error: null, StatusCode: 0 });
    expect(await logsOf(docker, run)).toEqual({ stdout: 'copied from the context\nbuilt for dockerode\n', stderr: '' });
    await run.remove();

    // A failing step ends the stream with its error, which followProgress hands over.
    writeFileSync(join(context, 'Dockerfile'), 'FROM busybox\nRUN exit 7\n');
    execFileSync('tar', ['-C', context, '-cf', contextTar, 'Dockerfile']);
    const failed = await build(docker, contextTar, {});
    const last = failed.events.at(-1);
    expect(last).toMatchObject({ errorDetail: { code: 7, message: "The command '/bin/sh -c exit 7' returned a non-zero code: 7" } });
    await docker.getImage(`dockerode-built:${process.pid}`).remove();
  });
});
