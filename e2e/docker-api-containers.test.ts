// Issue 12: the containers endpoints of the Docker Engine API, driven by
// Debian's docker client (20.10) at a test ced's docker.sock: create, run -d,
// ps, inspect, the state verbs, update, top, stats, diff, export, prune, and
// Docker's errors (exit codes and words as the docker CLI prints them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { importBusyboxImage } from './support/busybox-image.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { dockerCli, dockerClientMissing, dockerSocketOf } from './support/docker-cli.js';
import { inspectContainer } from './support/inspect.js';
import { httpOverUnix } from '../packages/docker-api/test/support/http-over-unix.js';

describe.skipIf(dockerClientMissing !== '')(`the Docker API's containers endpoints with the docker CLI ${dockerClientMissing}`, () => {
  let daemon: TestDaemon;
  const docker = (args: string[], timeoutMs?: number) => dockerCli(args, { daemon, timeoutMs });
  const api = (method: string, path: string, json?: unknown) => httpOverUnix(dockerSocketOf(daemon), method, path, json === undefined ? undefined : { json });
  const ok = async (args: string[]) => {
    const r = await docker(args);
    expect(r, `docker ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
    return r.stdout;
  };
  const status = async (name: string) => (await ok(['inspect', '--format', '{{.State.Status}}', name])).trim();

  beforeAll(async () => {
    daemon = await startTestDaemon();
    await importBusyboxImage(daemon.socket);
  });

  afterAll(async () => {
    if (daemon) {
      const left = (await docker(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
      if (left.length) await docker(['rm', '-f', ...left]);
      await daemon.dispose();
    }
  });

  it('docker create makes a created container with its env, labels and restart policy', async () => {
    const id = (await ok(['create', '--name', 'made', '-e', 'A=1', '-l', 'team=blue', '--restart', 'on-failure:2', 'busybox', 'sleep', '60'])).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const c = await inspectContainer(daemon.socket, 'made');
    expect(c.State.Status).toBe('created');
    expect(c.Config.Env).toContain('A=1');
    expect(c.Config.Labels).toEqual({ team: 'blue' });
    expect(c.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 2 });
    expect(await status('made')).toBe('created');
    await ok(['rm', 'made']);
  });

  it('docker run -d starts a detached container that ps lists as Docker does', async () => {
    const id = (await ok(['run', '-d', '--name', 'web', '-e', 'B=2', '-l', 'app=web', '--restart', 'always', 'busybox', 'sleep', '600'])).trim();
    expect(await status('web')).toBe('running');
    const ps = await ok(['ps', '--format', '{{.ID}}|{{.Names}}|{{.Image}}|{{.Command}}|{{.Status}}|{{.Labels}}']);
    expect(ps).toMatch(new RegExp(`^${id.slice(0, 12)}\\|web\\|busybox\\|"sleep 600"\\|Up (Less than a second|\\d+ seconds?)\\|app=web\\n$`));
    const table = await ok(['ps']);
    expect(table.split('\n')[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    expect(table).toContain('web');
  });

  it('docker ps -a, --filter and -q select as Docker does', async () => {
    await ok(['create', '--name', 'idle', '-l', 'app=idle', 'busybox', 'true']);
    expect((await ok(['ps', '--format', '{{.Names}}'])).split('\n')).not.toContain('idle');
    expect((await ok(['ps', '-a', '--format', '{{.Names}}'])).trim().split('\n').sort()).toEqual(['idle', 'web']);
    expect(await ok(['ps', '-a', '--filter', 'label=app=idle', '--format', '{{.Names}} {{.State}}'])).toBe('idle created\n');
    expect(await ok(['ps', '-a', '--filter', 'status=created', '--format', '{{.Names}}'])).toBe('idle\n');
    expect(await ok(['ps', '-a', '--filter', 'name=^/we', '--format', '{{.Names}}'])).toBe('web\n');
    expect((await ok(['ps', '-aq', '--no-trunc'])).trim().split('\n')).toHaveLength(2);
    const bad = await docker(['ps', '--filter', 'bogus=1']);
    expect(bad).toMatchObject({ code: 1, stderr: "Error response from daemon: Invalid filter 'bogus'\n" });
    await ok(['rm', 'idle']);
  });

  it('docker stop, start, restart, kill and wait change and report the state', async () => {
    expect(await ok(['stop', '-t', '1', 'web'])).toBe('web\n');
    expect(await status('web')).toBe('exited');
    // stopping a stopped container is a 304, which the CLI takes as done
    expect(await ok(['stop', 'web'])).toBe('web\n');
    expect(await ok(['start', 'web'])).toBe('web\n');
    expect(await ok(['start', 'web'])).toBe('web\n');
    expect(await status('web')).toBe('running');
    const before = (await inspectContainer(daemon.socket, 'web')).State.StartedAt;
    expect(await ok(['restart', '-t', '1', 'web'])).toBe('web\n');
    expect((await inspectContainer(daemon.socket, 'web')).State.StartedAt).not.toBe(before);
    expect(await docker(['kill', '--signal', 'BOGUS', 'web'])).toEqual({ code: 1, stdout: '', stderr: 'Error response from daemon: Invalid signal: BOGUS\n' });
    // busybox's sleep as pid 1 ignores SIGTERM: KILL, which a user's kill makes final whatever the restart policy
    const waiting = docker(['wait', 'web']);
    expect(await ok(['kill', 'web'])).toBe('web\n');
    expect(await waiting).toEqual({ code: 0, stdout: '137\n', stderr: '' });
    expect(await status('web')).toBe('exited');
    const notRunning = await docker(['kill', 'web']);
    expect(notRunning.code).toBe(1);
    expect(notRunning.stderr).toMatch(/^Error response from daemon: Cannot kill container: web: Container [0-9a-f]{64} is not running\n$/);
  });

  it('docker pause, unpause, update, top, stats, diff and export work on a running container', async () => {
    await ok(['run', '-d', '--name', 'busy', 'busybox', 'sh', '-c', 'touch /made-here; sleep 600']);
    await ok(['pause', 'busy']);
    expect(await status('busy')).toBe('paused');
    expect(await ok(['ps', '--filter', 'name=busy', '--format', '{{.Status}}'])).toMatch(/^Up .* \(Paused\)\n$/);
    await ok(['unpause', 'busy']);
    expect(await status('busy')).toBe('running');
    expect(await ok(['update', '--memory', '64m', '--memory-swap', '128m', '--cpus', '0.5', 'busy'])).toBe('busy\n');
    const c = await inspectContainer(daemon.socket, 'busy');
    expect(c.HostConfig).toMatchObject({ Memory: 64 * 1024 * 1024, MemorySwap: 128 * 1024 * 1024, NanoCpus: 500_000_000 });
    const top = await ok(['top', 'busy']);
    expect(top.split('\n')[0]).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    expect(top).toContain('sleep 600');
    const stats = await ok(['stats', '--no-stream', '--format', '{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.PIDs}}', 'busy']);
    expect(stats).toMatch(/^busy\|\d+\.\d\d%\|[\d.]+[KMG]?i?B \/ 64MiB\|\d+\n$/);
    const diff = await ok(['diff', 'busy']);
    expect(diff).toContain('A /made-here');
    const tar = await docker(['export', 'busy']);
    expect(tar.code).toBe(0);
    expect(tar.stdout).toContain('made-here');
    expect(tar.stdout).toContain('bin/busybox');
  });

  it('streams stats a line a second until the client goes, and answers one-shot at once', async () => {
    const lines = await new Promise<string[]>((resolve, reject) => {
      const req = request({ socketPath: dockerSocketOf(daemon), path: '/v1.41/containers/busy/stats?stream=1' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
          const done = text.split('\n').slice(0, -1);
          if (done.length >= 2) {
            req.destroy();
            resolve(done);
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    const [first, second] = lines.map((l) => JSON.parse(l) as { read: string; preread: string; name: string; cpu_stats: { system_cpu_usage: number } });
    expect(first!.name).toBe('/busy');
    expect(second!.preread).toBe(first!.read);
    expect(second!.cpu_stats.system_cpu_usage).toBeGreaterThan(first!.cpu_stats.system_cpu_usage);
    const oneShot = JSON.parse((await api('GET', '/v1.41/containers/busy/stats?stream=0&one-shot=1')).body) as { preread: string; precpu_stats: Record<string, unknown> };
    expect(oneShot.preread).toBe('0001-01-01T00:00:00Z');
    expect(oneShot.precpu_stats).not.toHaveProperty('system_cpu_usage');
  });

  it('docker rename and rm -f; rm of a running container is refused in Docker\'s words', async () => {
    await ok(['rename', 'busy', 'busier']);
    expect(await status('busier')).toBe('running');
    const refused = await docker(['rm', 'busier']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error response from daemon: You cannot remove a running container [0-9a-f]{64}\. Stop the container before attempting removal or force remove\n$/);
    expect(await ok(['rm', '-f', 'busier'])).toBe('busier\n');
    expect((await docker(['inspect', 'busier'])).code).toBe(1);
  });

  it("docker rm -v (DELETE ?v=1) removes the container's anonymous volumes, not its named ones, as dockerd does", async () => {
    const anonymousOf = async (id: string) => (await ok(['inspect', '--format', '{{range .Mounts}}{{if eq .Destination "/anon"}}{{.Name}}{{end}}{{end}}', id])).trim();
    const volumes = async () => (await ok(['volume', 'ls', '-q'])).split('\n').filter(Boolean);
    expect(await ok(['volume', 'create', 'rmv-named'])).toBe('rmv-named\n');
    const id = (await ok(['create', '-v', '/anon', '-v', 'rmv-named:/named', 'busybox', 'true'])).trim();
    const anonymous = await anonymousOf(id);
    expect(anonymous).toMatch(/^[0-9a-f]{64}$/);
    expect(await volumes()).toEqual(expect.arrayContaining([anonymous, 'rmv-named']));
    expect(await ok(['rm', '-v', id])).toBe(`${id}\n`);
    const after = await volumes();
    expect(after).not.toContain(anonymous);
    expect(after).toContain('rmv-named');

    // Without -v the anonymous volume stays, as with dockerd.
    const kept = (await ok(['create', '-v', '/anon', 'busybox', 'true'])).trim();
    const keptVolume = await anonymousOf(kept);
    expect(await ok(['rm', kept])).toBe(`${kept}\n`);
    expect(await volumes()).toContain(keptVolume);
    expect(await ok(['volume', 'rm', keptVolume, 'rmv-named'])).toBe(`${keptVolume}\nrmv-named\n`);
  });

  it('docker run -d --rm removes the container once it exits', async () => {
    const id = (await ok(['run', '-d', '--rm', 'busybox', 'sh', '-c', 'sleep 1; exit 4'])).trim();
    // what docker run --rm waits with: the exit code once the container is gone
    const waited = await api('POST', `/v1.41/containers/${id}/wait?condition=removed`);
    expect(JSON.parse(waited.body)).toEqual({ Error: null, StatusCode: 4 });
    expect(await docker(['inspect', '--type', 'container', id])).toMatchObject({ code: 1, stderr: `Error: No such container: ${id}\n` });
  });

  // `docker run` without -d attaches first (POST /containers/{id}/attach), then waits for the removal.
  it('docker run --rm busybox echo hi prints and removes', async () => {
    expect(await docker(['run', '--rm', '--name', 'hi', 'busybox', 'echo', 'hi'])).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    expect((await docker(['inspect', 'hi'])).code).toBe(1);
  });

  it('docker container prune -f removes the stopped containers', async () => {
    const id = (await ok(['create', 'busybox', 'true'])).trim();
    const out = await ok(['container', 'prune', '-f']);
    expect(out).toContain(id);
    expect(out).toMatch(/Total reclaimed space: /);
    expect((await docker(['inspect', id])).code).toBe(1);
  });

  it('answers for a container that does not exist as Docker does', async () => {
    expect(await docker(['rm', 'nope'])).toEqual({ code: 1, stdout: '', stderr: 'Error: No such container: nope\n' });
    expect(await docker(['rename', 'nope', 'x'])).toEqual({ code: 1, stdout: '', stderr: 'Error response from daemon: No such container: nope\nError: failed to rename container named nope\n' });
    for (const args of [['stop', 'nope'], ['wait', 'nope'], ['pause', 'nope'], ['top', 'nope'], ['diff', 'nope'], ['export', 'nope'], ['restart', 'nope'], ['update', '--memory', '10m', 'nope']]) {
      expect(await docker(args), args.join(' ')).toEqual({ code: 1, stdout: '', stderr: 'Error response from daemon: No such container: nope\n' });
    }
    expect(await docker(['start', 'nope'])).toEqual({ code: 1, stdout: '', stderr: 'Error response from daemon: No such container: nope\nError: failed to start containers: nope\n' });
    expect(await docker(['kill', 'nope'])).toEqual({ code: 1, stdout: '', stderr: 'Error response from daemon: Cannot kill container: nope: No such container: nope\n' });
    expect(await docker(['inspect', 'nope'])).toEqual({ code: 1, stdout: '[]\n', stderr: 'Error: No such object: nope\n' });
    expect(await docker(['stats', '--no-stream', 'nope'])).toEqual({ code: 1, stdout: '', stderr: 'Error response from daemon: No such container: nope\n' });
  });

  it('refuses a name in use with Docker\'s conflict message and exit code', async () => {
    const id = (await ok(['create', '--name', 'taken', 'busybox', 'true'])).trim();
    const r = await docker(['run', '-d', '--name', 'taken', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toBe(
      `docker: Error response from daemon: Conflict. The container name "/taken" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.\nSee 'docker run --help'.\n`,
    );
    await ok(['rm', 'taken']);
  });

  it('refuses a host port already in use, and leaves the container created', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const r = await docker(['run', '-d', '--name', 'clash', '-p', `127.0.0.1:${port}:80`, 'busybox', 'sleep', '60']);
      expect(r.code).toBe(125);
      expect(r.stderr).toContain(`127.0.0.1:${port}`);
      expect(r.stderr).toMatch(/address already in use/);
      expect(await status('clash')).toBe('created');
    } finally {
      holder.close();
      await docker(['rm', '-f', 'clash']);
    }
  });

  it('answers the API directly: 304 for a start of a running container, 404 for a missing image, wait before start', async () => {
    const created = await api('POST', '/v1.41/containers/create?name=raw', { Image: 'busybox', Cmd: ['sh', '-c', 'exit 3'] });
    expect(created.status).toBe(201);
    const { Id } = JSON.parse(created.body) as { Id: string };
    expect(JSON.parse(created.body)).toEqual({ Id, Warnings: [] });
    // next-exit on a created container, as docker run asks before its start
    const waited = api('POST', '/v1.41/containers/raw/wait?condition=next-exit');
    expect((await api('POST', '/v1.41/containers/raw/start')).status).toBe(204);
    expect(JSON.parse((await waited).body)).toEqual({ Error: null, StatusCode: 3 });
    expect((await api('POST', '/v1.41/containers/raw/stop')).status).toBe(304);
    const missing = await api('POST', '/v1.41/containers/create', { Image: 'nosuch' });
    expect(missing).toMatchObject({ status: 404, body: '{"message":"No such image: nosuch:latest"}\n' });
    const empty = await api('POST', '/v1.41/containers/create', {});
    expect(JSON.parse(empty.body)).toEqual({ message: 'Config cannot be empty in order to create a container' });
    expect(empty.status).toBe(400);
    const list = JSON.parse((await api('GET', '/v1.41/containers/json?all=1&filters=%7B%22name%22%3A%5B%22raw%22%5D%7D')).body) as Record<string, unknown>[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ Id, Names: ['/raw'], Image: 'busybox', Command: "sh -c 'exit 3'", State: 'exited', Ports: [], Mounts: [], HostConfig: { NetworkMode: 'default' } });
    expect(list[0]!.Status).toMatch(/^Exited \(3\) (Less than a second|\d+ seconds?) ago$/);
    const sized = JSON.parse((await api('GET', '/v1.41/containers/raw/json?size=1')).body) as { SizeRw: number; SizeRootFs: number };
    expect(sized.SizeRootFs).toBeGreaterThan(sized.SizeRw);
    expect((await api('DELETE', '/v1.41/containers/raw')).status).toBe(204);
  });
});
