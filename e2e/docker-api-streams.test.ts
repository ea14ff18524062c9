// Issue 12: the Docker API's streaming endpoints on a test ced's docker.sock —
// logs, attach (hijacked, plain and websocket), exec and the archive of
// docker cp — driven by dockerode, the ws package and Debian's docker client.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Duplex } from 'node:stream';
import Docker from 'dockerode';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { DOCKER_CLIENT, dockerCli, dockerClientMissing, dockerSocketOf } from './support/docker-cli.js';
import { ptyMissing, runInPty } from './support/pty.js';
import { httpOverUnix } from '../packages/docker-api/test/support/http-over-unix.js';

/** Everything a stream carries until it ends. */
function collect(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.on('data', (d: Buffer) => (text += d.toString()));
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}

/** A multiplexed stream split into its stdout and stderr, with docker-modem's demuxer (as dockerode's users do). */
function demuxed(docker: Docker, stream: NodeJS.ReadableStream): Promise<{ stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  docker.modem.demuxStream(stream, out, err);
  const texts = Promise.all([collect(out), collect(err)]);
  stream.on('end', () => {
    out.end();
    err.end();
  });
  stream.on('close', () => {
    out.end();
    err.end();
  });
  return texts.then(([stdout, stderr]) => ({ stdout, stderr }));
}

/** Resolves once `text` shows up in what `stream` sent. */
function waitForText(stream: NodeJS.ReadableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(text)}; saw ${JSON.stringify(seen)}`)), 20_000);
    stream.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

describe.skipIf(dockerClientMissing !== '')(`the Docker API's streaming endpoints ${dockerClientMissing}`, () => {
  let daemon: TestDaemon;
  let docker: Docker;
  let work: string;
  const cli = (args: string[], input?: string) => dockerCli(args, { daemon, input });
  const ceCli = async (args: string[]) => {
    const r = await ce(args, { socket: daemon.socket });
    if (r.code !== 0) throw new Error(`ce ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  };

  beforeAll(async () => {
    daemon = await startTestDaemon();
    await importBusyboxImage(daemon.socket);
    docker = new Docker({ socketPath: dockerSocketOf(daemon) });
    work = await mkdtemp(join(tmpdir(), 'ce-e2e-dapi-streams-'));
  });

  afterAll(async () => {
    await daemon?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe('logs', () => {
    it('dockerode reads a finished container\'s log as stdcopy frames, and its tail', async () => {
      const id = await ceCli(['run', '-d', 'busybox', 'sh', '-c', 'echo out1; echo err1 >&2; echo out2']);
      await ceCli(['wait', id]);
      const container = docker.getContainer(id);
      const all = await demuxed(docker, (await container.logs({ stdout: true, stderr: true, follow: true })) as NodeJS.ReadableStream);
      expect(all).toEqual({ stdout: 'out1\nout2\n', stderr: 'err1\n' });
      // tail counts the lines of both streams, as dockerd's does: the last one (out2 or err1, whichever ced logged last) as one frame.
      const whole = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
      const last = (await container.logs({ stdout: true, stderr: true, tail: 1 })) as unknown as Buffer;
      expect(whole.length).toBe(3 * 8 + 15);
      expect(last.length).toBe(8 + 5);
      expect(last.equals(whole.subarray(whole.length - last.length))).toBe(true);
      const stamped = (await container.logs({ stdout: true, timestamps: true })) as unknown as Buffer;
      expect(stamped.subarray(8).toString()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out1\n/);
    });

    it('follows a running container until it stops, and reads a TTY container\'s log raw', async () => {
      const id = await ceCli(['run', '-d', 'busybox', 'sh', '-c', 'echo first; read line; echo "got $line"']);
      const stream = (await docker.getContainer(id).logs({ stdout: true, stderr: true, follow: true })) as NodeJS.ReadableStream;
      const texts = demuxed(docker, stream);
      await waitForText(stream, 'first');
      // The container stops once its stdin (closed: it was not opened with -i) gives it nothing: read ends, it exits.
      expect(await texts).toEqual({ stdout: 'first\ngot \n', stderr: '' });

      const tty = await ceCli(['run', '-d', '-t', 'busybox', 'sh', '-c', 'echo on-a-tty; echo to-stderr >&2']);
      await ceCli(['wait', tty]);
      const raw = (await docker.getContainer(tty).logs({ stdout: true, stderr: true })) as unknown as Buffer;
      expect(raw.toString()).toBe('on-a-tty\r\nto-stderr\r\n');
    });

    it('refuses a request for no stream, and an unknown container, with dockerd\'s words', async () => {
      const id = await ceCli(['create', 'busybox', 'true']);
      const none = await httpOverUnix(dockerSocketOf(daemon), 'GET', `/v1.41/containers/${id}/logs`);
      expect(none.status).toBe(400);
      expect(JSON.parse(none.body)).toEqual({ message: 'Bad parameters: you must choose at least one stream' });
      const unknown = await httpOverUnix(dockerSocketOf(daemon), 'GET', '/v1.41/containers/nosuch/logs?stdout=1');
      expect(unknown.status).toBe(404);
      expect(JSON.parse(unknown.body)).toEqual({ message: 'No such container: nosuch' });
    });
  });

  describe('attach', () => {
    it('dockerode attaches (hijacked) before the start, sends stdin, and half-closes it (StdinOnce)', async () => {
      const id = await ceCli(['create', '-i', 'busybox', 'sh', '-c', 'cat; echo done >&2']);
      const container = docker.getContainer(id);
      const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
      const texts = demuxed(docker, stream);
      await ceCli(['start', id]);
      stream.write('hello\n');
      stream.end(); // CloseWrite: the container's stdin closes, cat ends
      expect(await texts).toEqual({ stdout: 'hello\n', stderr: 'done\n' });
      expect(await ceCli(['wait', id])).toBe('0');
    });

    it('replays the log with logs=1 over plain HTTP, and refuses bad detach keys', async () => {
      const id = await ceCli(['run', '-d', 'busybox', 'sh', '-c', 'echo before; echo oops >&2']);
      await ceCli(['wait', id]);
      const reply = await httpOverUnix(dockerSocketOf(daemon), 'POST', `/v1.41/containers/${id}/attach?logs=1&stdout=1&stderr=1`);
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe('application/vnd.docker.raw-stream');
      expect(reply.body).toBe('\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0007before\n\u0002\u0000\u0000\u0000\u0000\u0000\u0000\u0005oops\n');
      const bad = await httpOverUnix(dockerSocketOf(daemon), 'POST', `/v1.41/containers/${id}/attach?stream=1&stdout=1&detachKeys=ctrl-%3F%3F`);
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.body)).toEqual({ message: 'Invalid detach keys (ctrl-??) provided' });
    });

    it('serves the websocket endpoint: raw output out, messages in, detach keys end it', async () => {
      const id = await ceCli(['run', '-d', '-i', 'busybox', 'sh', '-c', 'while read l; do echo "echo:$l"; done']);
      const ws = new WebSocket(`ws+unix://${dockerSocketOf(daemon)}:/v1.41/containers/${id}/attach/ws?stream=1&stdin=1&stdout=1&stderr=1`);
      let received = '';
      const binaries: boolean[] = [];
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        received += data.toString();
        binaries.push(isBinary);
      });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      ws.send('ping\n');
      await expect.poll(() => received, { timeout: 20_000 }).toBe('echo:ping\n');
      expect(binaries.every(Boolean)).toBe(true);
      const closed = new Promise((resolve) => ws.once('close', resolve));
      ws.send(Buffer.from([0x10, 0x11])); // ctrl-p, ctrl-q
      await closed;
      // Detaching leaves the container running, its stdin open for the next client.
      expect(await ceCli(['inspect', '--format', '{{.State.Running}}', id])).toBe('true');
      const again = (await docker.getContainer(id).attach({ stream: true, stdin: true, stdout: true, hijack: true })) as unknown as Duplex;
      const echoed = waitForText(again, 'echo:again\n');
      again.write('again\n');
      await echoed;
      again.destroy();
      await ceCli(['rm', '-f', id]);
    });
  });

  describe('exec', () => {
    it('dockerode runs an exec with output demuxed, and reads its exit code and config', async () => {
      const id = await ceCli(['run', '-d', 'busybox', 'sleep', '1000']);
      const container = docker.getContainer(id);
      const exec = await container.exec({ Cmd: ['sh', '-c', 'echo "$A in $PWD as $(id -un)"; echo e >&2; exit 3'], AttachStdout: true, AttachStderr: true, Env: ['A=set'], WorkingDir: '/tmp', User: 'nobody' });
      const before = await exec.inspect();
      expect(before).toMatchObject({ Running: false, ExitCode: null, ContainerID: id, ProcessConfig: { entrypoint: 'sh', user: 'nobody', tty: false } });
      const stream = (await exec.start({ hijack: true, stdin: false })) as unknown as NodeJS.ReadableStream;
      expect(await demuxed(docker, stream)).toEqual({ stdout: 'set in /tmp as nobody\n', stderr: 'e\n' });
      expect(await exec.inspect()).toMatchObject({ Running: false, ExitCode: 3 });
      await ceCli(['rm', '-f', id]);
    });

    it('answers exec create, start and resize failures as dockerd does', async () => {
      const stopped = await ceCli(['create', 'busybox', 'true']);
      const sock = dockerSocketOf(daemon);
      const notRunning = await httpOverUnix(sock, 'POST', `/v1.41/containers/${stopped}/exec`, { json: { Cmd: ['ls'] } });
      expect(notRunning.status).toBe(409);
      expect(JSON.parse(notRunning.body)).toEqual({ message: `Container ${stopped} is not running` });
      const running = await ceCli(['run', '-d', 'busybox', 'sleep', '1000']);
      const noCmd = await httpOverUnix(sock, 'POST', `/v1.41/containers/${running}/exec`, { json: {} });
      expect([noCmd.status, JSON.parse(noCmd.body)]).toEqual([400, { message: 'No exec command specified' }]);
      const unknown = await httpOverUnix(sock, 'GET', '/v1.41/exec/nosuch/json');
      expect([unknown.status, JSON.parse(unknown.body)]).toEqual([404, { message: 'No such exec instance: nosuch' }]);
      const badSize = await httpOverUnix(sock, 'POST', '/v1.41/exec/nosuch/resize?h=x&w=1');
      expect([badSize.status, JSON.parse(badSize.body)]).toEqual([400, { message: 'strconv.Atoi: parsing "x": invalid syntax' }]);

      // A missing command: detached, the start is the 400; attached, the reason is on the stream; ExitCode 126 either way.
      const missing = JSON.parse((await httpOverUnix(sock, 'POST', `/v1.41/containers/${running}/exec`, { json: { Cmd: ['nosuchcmd'] } })).body).Id as string;
      const detached = await httpOverUnix(sock, 'POST', `/v1.41/exec/${missing}/start`, { json: { Detach: true } });
      expect(detached.status).toBe(400);
      expect(JSON.parse(detached.body).message).toMatch(/^OCI runtime exec failed: .*"nosuchcmd": executable file not found in \$PATH/);
      expect(JSON.parse((await httpOverUnix(sock, 'GET', `/v1.41/exec/${missing}/json`)).body)).toMatchObject({ Running: false, ExitCode: 126 });
      const attachedId = JSON.parse((await httpOverUnix(sock, 'POST', `/v1.41/containers/${running}/exec`, { json: { Cmd: ['nosuchcmd'], AttachStdout: true } })).body).Id as string;
      const attached = await httpOverUnix(sock, 'POST', `/v1.41/exec/${attachedId}/start`, { json: {} });
      expect(attached.status).toBe(200);
      expect(attached.body.slice(0, 4)).toBe('\u0001\u0000\u0000\u0000');
      expect(attached.body.slice(8)).toMatch(/^OCI runtime exec failed: .*executable file not found in \$PATH.*\r\n$/);
      expect(JSON.parse((await httpOverUnix(sock, 'GET', `/v1.41/exec/${attachedId}/json`)).body)).toMatchObject({ ExitCode: 126 });
      await ceCli(['rm', '-f', running, stopped]);
    });
  });

  describe('docker cp', () => {
    it('copies a file into a container and back out, with the path stat docker cp reads', async () => {
      const id = await ceCli(['run', '-d', 'busybox', 'sleep', '1000']);
      const local = join(work, 'in.txt');
      await writeFile(local, 'from the host\n');
      expect(await cli(['cp', local, `${id}:/tmp/copied.txt`])).toMatchObject({ code: 0, stderr: '' });
      expect(await ceCli(['exec', id, 'cat', '/tmp/copied.txt'])).toBe('from the host');
      const back = join(work, 'out.txt');
      expect(await cli(['cp', `${id}:/tmp/copied.txt`, back])).toMatchObject({ code: 0, stderr: '' });
      expect(await readFile(back, 'utf8')).toBe('from the host\n');
      // A folder, out through stdout as a tar.
      const tar = await cli(['cp', `${id}:/etc`, '-']);
      expect(tar.code).toBe(0);
      expect(tar.stdout).toContain('etc/passwd');

      const missing = await cli(['cp', `${id}:/nope`, back]);
      expect(missing).toMatchObject({ code: 1, stderr: `Error: No such container:path: ${id}:/nope\n` });

      const head = await httpOverUnix(dockerSocketOf(daemon), 'HEAD', `/v1.41/containers/${id}/archive?path=/tmp/copied.txt`);
      expect(head.status).toBe(200);
      const stat = JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString());
      expect(stat).toMatchObject({ name: 'copied.txt', size: 14, mode: 0o644, linkTarget: '' });
      const empty = await httpOverUnix(dockerSocketOf(daemon), 'GET', `/v1.41/containers/${id}/archive`);
      expect([empty.status, JSON.parse(empty.body)]).toEqual([400, { message: 'bad parameter: pathcannot be empty' }]);
      await ceCli(['rm', '-f', id]);
    });
  });

  describe('with the docker client', () => {
    const terminal = (args: string[]) => runInPty([DOCKER_CLIENT, ...args], { rows: 24, cols: 80 }, { ...process.env, DOCKER_HOST: `unix://${dockerSocketOf(daemon)}`, DOCKER_CONFIG: join(daemon.dir, 'docker-config') });

    it('docker logs: whole, --tail, -t, --since and -f', async () => {
      const id = await ceCli(['run', '-d', 'busybox', 'sh', '-c', 'echo line1; echo line2; echo line3']);
      await ceCli(['wait', id]);
      expect(await cli(['logs', id])).toEqual({ code: 0, stdout: 'line1\nline2\nline3\n', stderr: '' });
      expect(await cli(['logs', '--tail', '1', id])).toEqual({ code: 0, stdout: 'line3\n', stderr: '' });
      expect((await cli(['logs', '-t', id])).stdout).toMatch(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line\d\n){3}$/);
      expect(await cli(['logs', '--since', '2099-01-01T00:00:00Z', id])).toEqual({ code: 0, stdout: '', stderr: '' });
      expect((await cli(['logs', '--since', '2000-01-01T00:00:00Z', id])).stdout).toBe('line1\nline2\nline3\n');
      const err = await ceCli(['run', '-d', 'busybox', 'sh', '-c', 'echo out; echo err >&2']);
      await ceCli(['wait', err]);
      expect(await cli(['logs', err])).toEqual({ code: 0, stdout: 'out\n', stderr: 'err\n' });
      // -f: what is there, then what comes, until the container stops.
      const running = await ceCli(['run', '-d', 'busybox', 'sh', '-c', 'echo first; sleep 1; echo second']);
      expect(await cli(['logs', '-f', running])).toEqual({ code: 0, stdout: 'first\nsecond\n', stderr: '' });
      await ceCli(['rm', id, err, running]);
    });

    it('docker exec: -e, -u, -w, -i, -d, its exit code, and 126 for a missing command', async () => {
      const id = await ceCli(['run', '-d', 'busybox', 'sleep', '1000']);
      expect(await cli(['exec', '-e', 'A=set', '-u', 'nobody', '-w', '/tmp', id, 'sh', '-c', 'echo "$A $(id -u) $PWD"'])).toEqual({ code: 0, stdout: 'set 65534 /tmp\n', stderr: '' });
      expect(await cli(['exec', '-i', id, 'cat'], 'piped in\n')).toEqual({ code: 0, stdout: 'piped in\n', stderr: '' });
      expect((await cli(['exec', id, 'sh', '-c', 'exit 7'])).code).toBe(7);
      const missing = await cli(['exec', id, 'nosuchcmd']);
      expect(missing.code).toBe(126);
      expect(missing.stdout).toMatch(/^OCI runtime exec failed: .*"nosuchcmd": executable file not found in \$PATH: unknown\r\n$/);
      expect(await cli(['exec', '-d', id, 'sh', '-c', 'echo detached > /tmp/d'])).toEqual({ code: 0, stdout: '', stderr: '' });
      await expect.poll(async () => (await ce(['exec', id, 'cat', '/tmp/d'], { socket: daemon.socket })).stdout, { timeout: 20_000 }).toBe('detached\n');
      await ceCli(['rm', '-f', id]);
    });

    it.skipIf(ptyMissing !== undefined)('docker exec -it through a terminal', async () => {
      const id = await ceCli(['run', '-d', 'busybox', 'sleep', '1000']);
      const t = terminal(['exec', '-it', id, 'sh']);
      await t.waitFor('# ');
      t.type('echo $((6*7)); tty\r');
      await t.waitFor(/42\r\n\/dev\/pts\/\d+\r\n/);
      t.type('exit 5\r');
      expect(await t.exited).toBe(5);
      await ceCli(['rm', '-f', id]);
    });

    it.skipIf(ptyMissing !== undefined)('docker attach to a terminal, and ctrl-p ctrl-q leaves the container running', async () => {
      const id = await ceCli(['run', '-d', '-it', 'busybox', 'sh']);
      const t = terminal(['attach', id]);
      t.type('echo $((6*7))\r');
      await t.waitFor('42\r\n');
      t.type('\x10\x11');
      expect(await t.exited).toBe(1);
      expect(t.screen()).toContain('read escape sequence');
      expect(await ceCli(['inspect', '--format', '{{.State.Running}}', id])).toBe('true');
      await ceCli(['rm', '-f', id]);
    });

    it('docker run --rm busybox echo hi, and 127 for a missing command', async () => {
      expect(await cli(['run', '--rm', 'busybox', 'echo', 'hi'])).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
      expect(await cli(['run', '--rm', '-i', 'busybox', 'cat'], 'through stdin\n')).toEqual({ code: 0, stdout: 'through stdin\n', stderr: '' });
      expect((await cli(['run', '--rm', 'busybox', 'nosuchcmd'])).code).toBe(127);
    });

    it.skipIf(ptyMissing !== undefined)('docker run -it through a terminal', async () => {
      const t = terminal(['run', '-it', '--rm', 'busybox', 'sh']);
      await t.waitFor('# ');
      // docker run resizes the terminal after the start, as with dockerd: the shell may ask before that, so ask until it is done.
      for (let attempt = 0; attempt < 50 && !t.screen().includes('24 80\r\n'); attempt++) {
        const mark = t.screen().length;
        t.type('stty size\r');
        await t.waitFor(/(\d+ \d+|stty: standard input)\r\n/, mark);
      }
      expect(t.screen()).toContain('24 80\r\n');
      t.type('exit 3\r');
      expect(await t.exited).toBe(3);
    });
  });
});
