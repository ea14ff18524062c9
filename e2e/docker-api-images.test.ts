// Issue 12: the images endpoints of ced's Docker API, driven by Debian's
// docker client (20.10) and by dockerode: pull and push with a loopback
// registry (Debian's docker-registry), login against one with htpasswd,
// images, inspect, history, tag, rmi, prune, save | load, import, commit,
// search, and build (the classic builder's stream, over ced's builder).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_BIN, startRegistry, type RegistryServer } from '../packages/image-store/test/support/registry.js';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { dockerCli, dockerClientMissing, dockerSocketOf } from './support/docker-cli.js';
import { httpOverUnix } from '../packages/docker-api/test/support/http-over-unix.js';

const registryMissing = existsSync(REGISTRY_BIN) ? '' : `needs ${REGISTRY_BIN} (apt-get install docker-registry)`;
const user = { username: 'ce-dapi', password: 's3cret-pw' };

describe.skipIf(dockerClientMissing !== '' || registryMissing !== '')(`the Docker API's images endpoints ${dockerClientMissing}${registryMissing}`, () => {
  let daemon: TestDaemon;
  let reg: RegistryServer;
  let authReg: RegistryServer;
  let work: string;
  let files: Server;
  let filesUrl: string;
  const docker = (args: string[], input?: string | Buffer) => dockerCli(args, { daemon, input });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ce-e2e-dapi-images-'));
    // A small root filesystem tar for docker import, from a file and from a loopback URL.
    const rootfs = join(work, 'rootfs');
    execFileSync('mkdir', ['-p', rootfs]);
    writeFileSync(join(rootfs, 'hello.txt'), 'imported\n');
    execFileSync('tar', ['-C', rootfs, '-cf', join(work, 'rootfs.tar'), '.']);
    const tar = execFileSync('cat', [join(work, 'rootfs.tar')]);
    files = createServer((req, res) => (req.url === '/rootfs.tar' ? res.end(tar) : res.writeHead(404).end('not here')));
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    [daemon, reg, authReg] = await Promise.all([startTestDaemon(), startRegistry(), startRegistry({ basic: user })]);
    await importBusyboxImage(daemon.socket);
  });

  afterAll(async () => {
    await daemon?.dispose();
    await reg?.stop();
    await authReg?.stop();
    await new Promise((resolve) => files?.close(resolve));
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('docker push and docker pull with a loopback registry, in dockerd\'s words', async () => {
    const name = `${reg.host}/e2e/busybox:v1`;
    expect(await docker(['tag', 'busybox', name])).toEqual({ code: 0, stdout: '', stderr: '' });
    const push = await docker(['push', name]);
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);
    const pushLines = push.stdout.trim().split('\n');
    expect(pushLines[0]).toBe(`The push refers to repository [${reg.host}/e2e/busybox]`);
    expect(pushLines).toContainEqual(expect.stringMatching(/^[0-9a-f]{12}: Pushed$/));
    expect(pushLines.at(-1)).toMatch(/^v1: digest: sha256:[0-9a-f]{64} size: \d+$/);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)![1];

    // As dockerd: the last tag of the repository takes the digest name the push recorded along.
    expect((await docker(['rmi', name])).stdout).toBe(`Untagged: ${name}\nUntagged: ${reg.host}/e2e/busybox@${digest}\n`);
    const pull = await docker(['pull', name]);
    expect(pull.stderr).toBe('');
    expect(pull.code).toBe(0);
    const lines = pull.stdout.trim().split('\n');
    expect(lines[0]).toBe('v1: Pulling from e2e/busybox');
    // busybox:latest holds the same layer.
    expect(lines).toContainEqual(expect.stringMatching(/^[0-9a-f]{12}: Already exists$/));
    expect(lines.slice(-3)).toEqual([`Digest: ${digest}`, `Status: Downloaded newer image for ${name}`, name]);
    const again = await docker(['pull', name]);
    expect(again.stdout).toContain(`Status: Image is up to date for ${name}\n`);
    // RepoDigests: the pull by tag names the image by the registry's digest too, and a pull by that digest finds it.
    const byDigest = `${reg.host}/e2e/busybox@${digest}`;
    expect((await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', name])).stdout).toBe(`${JSON.stringify([byDigest])}\n`);
    expect((await docker(['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}', `${reg.host}/e2e/busybox`])).stdout).toBe(`${reg.host}/e2e/busybox v1 ${digest}\n`);
    const pinned = await docker(['pull', byDigest]);
    expect(pinned.stdout.split('\n')[0]).toBe(`${byDigest}: Pulling from e2e/busybox`);
    expect(pinned.stdout).toMatch(new RegExp(`\nDigest: ${digest}\nStatus: Image is up to date for ${byDigest}\n${byDigest}\n$`));

    const unknown = await docker(['pull', `${reg.host}/e2e/nope:v1`]);
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: `Error response from daemon: manifest for ${reg.host}/e2e/nope:v1 not found: manifest unknown: manifest unknown\n` });
  });

  it('docker login against a registry with htpasswd, then push with the credentials the client sends', async () => {
    const name = `${authReg.host}/e2e/busybox:v1`;
    await docker(['tag', 'busybox', name]);
    const refused = await docker(['push', name]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/authentication required/);

    const bad = await docker(['login', '-u', user.username, '--password-stdin', authReg.host], 'wrong\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`Error response from daemon: login attempt to http://${authReg.host}/v2/ failed with status: 401 Unauthorized`);
    const login = await docker(['login', '-u', user.username, '--password-stdin', authReg.host], `${user.password}\n`);
    expect(login.code).toBe(0);
    expect(login.stdout).toBe('Login Succeeded\n');

    const push = await docker(['push', name]);
    expect(push.stderr).toBe('');
    expect(push.stdout).toMatch(/^v1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    await docker(['logout', authReg.host]);
  });

  it('docker images with --format, -a, --filter and --digests; docker image inspect and docker history', async () => {
    const rows = await docker(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    expect(rows.code).toBe(0);
    const busyboxId = (await ce(['image', 'inspect', '--format', '{{.Id}}', 'busybox'], { socket: daemon.socket })).stdout.trim();
    expect(rows.stdout).toContain(`busybox:latest ${busyboxId.slice(7, 19)}\n`);
    expect(rows.stdout).toMatch(/^hello-world:latest [0-9a-f]{12}$/m);
    expect((await docker(['images', '-a', '-q'])).stdout).toBe((await docker(['images', '-q'])).stdout);

    const filtered = await docker(['images', '--filter', 'reference=busy*', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(filtered).toEqual({ code: 0, stdout: 'busybox:latest\n', stderr: '' });
    const bad = await docker(['images', '--filter', 'bogus=1']);
    expect(bad).toMatchObject({ code: 1, stderr: "Error response from daemon: Invalid filter 'bogus'\n" });
    const digests = await docker(['images', '--digests', '--format', '{{.Repository}} {{.Digest}}', 'busybox']);
    expect(digests).toEqual({ code: 0, stdout: 'busybox <none>\n', stderr: '' });

    const inspect = await docker(['image', 'inspect', '--format', '{{.Id}} {{.Config.Cmd}} {{.Os}}/{{.Architecture}} {{len .RootFS.Layers}} {{json .RepoTags}}', 'busybox']);
    expect(inspect).toEqual({ code: 0, stdout: `${busyboxId} [sh] linux/amd64 1 ${JSON.stringify([`${authReg.host}/e2e/busybox:v1`, `${reg.host}/e2e/busybox:v1`, 'busybox:latest'].sort())}\n`, stderr: '' });
    const missing = await docker(['image', 'inspect', 'nosuch']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error: No such image: nosuch\n');

    const history = await docker(['history', '--format', '{{.ID}} {{.Size}}', 'busybox']);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(new RegExp(`^${busyboxId.slice(7, 19)} \\d+(\\.\\d+)?[kM]B\\n$`));
  });

  it('docker tag and docker rmi, with dockerd\'s conflicts', async () => {
    expect((await docker(['tag', 'busybox', 'busybox:two'])).code).toBe(0);
    const id = (await docker(['image', 'inspect', '--format', '{{.Id}}', 'busybox:two'])).stdout.trim();
    const short = id.slice(7, 19);
    const many = await docker(['rmi', short]);
    expect(many).toMatchObject({ code: 1, stderr: `Error response from daemon: conflict: unable to delete ${short} (must be forced) - image is referenced in multiple repositories\n` });

    const run = await ce(['run', '-d', 'busybox:two', 'sleep', '300'], { socket: daemon.socket });
    expect(run.code).toBe(0);
    const container = run.stdout.trim().slice(0, 12);
    const used = await docker(['rmi', '-f', short]);
    expect(used).toMatchObject({ code: 1, stderr: `Error response from daemon: conflict: unable to delete ${short} (cannot be forced) - image is being used by running container ${container}\n` });
    await ce(['rm', '-f', container], { socket: daemon.socket });

    expect(await docker(['rmi', 'busybox:two'])).toEqual({ code: 0, stdout: 'Untagged: busybox:two\n', stderr: '' });
    // The client words a 404 itself.
    expect(await docker(['rmi', 'nosuch'])).toMatchObject({ code: 1, stderr: 'Error: No such image: nosuch\n' });
    expect(await docker(['image', 'prune', '-f'])).toEqual({ code: 0, stdout: 'Total reclaimed space: 0B\n', stderr: '' });
  });

  it('docker save | docker load, and docker import from stdin and from a URL', async () => {
    await docker(['tag', 'busybox', 'saved:v1']);
    const archive = join(work, 'saved.tar');
    expect(await docker(['save', '-o', archive, 'saved:v1'])).toEqual({ code: 0, stdout: '', stderr: '' });
    await docker(['rmi', 'saved:v1']);
    expect(await docker(['load', '-i', archive])).toEqual({ code: 0, stdout: 'Loaded image: saved:v1\n', stderr: '' });
    const garbage = await docker(['load'], 'not a tar at all');
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).not.toBe('');

    const fromStdin = await docker(['import', '-c', 'CMD ["cat", "/hello.txt"]', '-m', 'from stdin', '-', 'imported:stdin'], execFileSync('cat', [join(work, 'rootfs.tar')]));
    expect(fromStdin.stderr).toBe('');
    expect(fromStdin.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect((await docker(['image', 'inspect', '--format', '{{.Comment}} {{.Config.Cmd}}', 'imported:stdin'])).stdout).toBe('from stdin [cat /hello.txt]\n');

    const fromUrl = await docker(['import', `${filesUrl}/rootfs.tar`, 'imported:url']);
    expect(fromUrl.stderr).toBe('');
    // As with dockerd, which fetches the URL itself and says so.
    expect(fromUrl.stdout).toMatch(new RegExp(`^Downloading from ${filesUrl}/rootfs.tar\\nsha256:[0-9a-f]{64}\\n$`));
    expect((await docker(['image', 'inspect', '--format', '{{.Comment}}', 'imported:url'])).stdout).toBe(`Imported from ${filesUrl}/rootfs.tar\n`);
    const notThere = await docker(['import', `${filesUrl}/nope.tar`, 'imported:nope']);
    expect(notThere.code).toBe(1);
    expect(notThere.stderr).toContain(`failed to GET ${filesUrl}/nope.tar with status 404`);
  });

  it('docker commit of a container made with ce run -d', async () => {
    const run = await ce(['run', '-d', 'busybox', 'sh', '-c', 'echo committed > /made.txt; sleep 300'], { socket: daemon.socket });
    expect(run.code).toBe(0);
    const container = run.stdout.trim();
    // The file is written by the container's shell: wait for it through ce exec.
    for (let i = 0; i < 100 && (await ce(['exec', container, 'cat', '/made.txt'], { socket: daemon.socket })).code !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    const commit = await docker(['commit', '-m', 'by docker', '-a', 'e2e', '-c', 'ENV MADE=1', container, 'committed:v1']);
    expect(commit.stderr).toBe('');
    expect(commit.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    // The API's Config body (which the docker CLI never sends): its settings win, the container's fill the rest.
    const withConfig = await httpOverUnix(dockerSocketOf(daemon), 'POST', `/v1.41/commit?container=${container}&repo=committed&tag=v2&changes=${encodeURIComponent('ENV MADE=2')}`, {
      json: { Cmd: ['cat', '/made.txt'], Env: ['GIVEN=1'] },
    });
    expect(withConfig.status).toBe(201);
    expect(JSON.parse(withConfig.body)).toEqual({ Id: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    await ce(['rm', '-f', container], { socket: daemon.socket });
    expect((await docker(['image', 'inspect', '--format', '{{.Author}}|{{.Comment}}|{{.Config.Env}}', 'committed:v1'])).stdout).toBe('e2e|by docker|[PATH=/usr/sbin:/usr/bin:/sbin:/bin MADE=1]\n');
    expect((await docker(['image', 'inspect', '--format', '{{.Config.Cmd}}|{{.Config.Env}}', 'committed:v2'])).stdout).toBe('[cat /made.txt]|[GIVEN=1 MADE=2 PATH=/usr/sbin:/usr/bin:/sbin:/bin]\n');
    expect(await ce(['run', '--rm', 'committed:v2'], { socket: daemon.socket })).toMatchObject({ code: 0, stdout: 'committed\n' });
    expect(await ce(['run', '--rm', 'committed:v1', 'cat', '/made.txt'], { socket: daemon.socket })).toMatchObject({ code: 0, stdout: 'committed\n' });
    expect(await docker(['commit', 'nosuch', 'x:1'])).toMatchObject({ code: 1, stderr: 'Error response from daemon: No such container: nosuch\n' });
  });

  it('docker search lists the loopback registry\'s repositories; docker build builds with ced\'s builder', async () => {
    const search = await docker(['search', '--format', '{{.Name}}', `${reg.host}/e2e`]);
    expect(search).toEqual({ code: 0, stdout: `${reg.host}/e2e/busybox\n`, stderr: '' });
    const context = join(work, 'context');
    execFileSync('mkdir', ['-p', context]);
    writeFileSync(join(context, 'Dockerfile'), 'FROM busybox\nARG WHO\nRUN echo "built by $WHO" > /who\n');
    const iid = join(work, 'iid');
    const build = await dockerCli(['build', '--build-arg', 'WHO=docker', '--iidfile', iid, '-t', 'dapi-built:1', context], { daemon, env: { DOCKER_BUILDKIT: '0' } });
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    expect(build.stdout).toMatch(/^Sending build context to Docker daemon {2}\S+\r?\r?\nStep 1\/3 : FROM busybox\n ---> [0-9a-f]{12}\n/);
    expect(build.stdout).toMatch(/Successfully built [0-9a-f]{12}\nSuccessfully tagged dapi-built:1\n$/);
    expect(readFileSync(iid, 'utf8')).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await ce(['run', '--rm', 'dapi-built:1', 'cat', '/who'], { socket: daemon.socket })).toMatchObject({ code: 0, stdout: 'built by docker\n' });
    // The build's step images are intermediate images: listed with -a only.
    expect((await docker(['images', '--format', '{{.Repository}}'])).stdout).not.toContain('ce-build-cache');
    expect((await docker(['images', '-a', '--format', '{{.Repository}}'])).stdout).toContain('ce-build-cache');
    writeFileSync(join(context, 'Dockerfile'), 'FROM busybox\nRUN exit 3\n');
    const failed = await dockerCli(['build', context], { daemon, env: { DOCKER_BUILDKIT: '0' } });
    expect(failed.code).toBe(3);
    expect(failed.stderr).toBe("The command '/bin/sh -c exit 3' returned a non-zero code: 3\n");
    // docker builder prune: POST /build/prune empties ced's build cache.
    const pruned = await docker(['builder', 'prune', '-f']);
    expect(pruned.stdout).toMatch(/^Deleted build cache objects:\n(sha256:[0-9a-f]{64}\n)+\nTotal reclaimed space: \S+\n$/);
    expect((await docker(['images', '-a', '--format', '{{.Repository}}'])).stdout).not.toContain('ce-build-cache');
    expect((await docker(['builder', 'prune', '-f'])).stdout).toBe('Total reclaimed space: 0B\n');
  });

  it('dockerode pulls from the loopback registry and follows the progress', async () => {
    const client = new Docker({ socketPath: dockerSocketOf(daemon) });
    const name = `${reg.host}/e2e/busybox:v1`;
    await client.getImage(name).remove();
    const stream = await client.pull(name);
    const events = await new Promise<{ status?: string; id?: string }[]>((resolve, reject) => client.modem.followProgress(stream, (err: Error | null, out: { status?: string }[]) => (err ? reject(err) : resolve(out))));
    expect(events[0]).toEqual({ status: 'Pulling from e2e/busybox', id: 'v1' });
    expect(events.at(-1)).toEqual({ status: `Status: Downloaded newer image for ${name}` });
    const image = await client.getImage(name).inspect();
    expect(image.RepoTags).toContain(name);
    const failed = await client.pull(`${reg.host}/e2e/nope:v1`).then(
      () => 'pulled',
      (err: { statusCode?: number; message?: string }) => `${err.statusCode} ${err.message}`,
    );
    expect(failed).toContain(`404 (HTTP code 404) unexpected - manifest for ${reg.host}/e2e/nope:v1 not found: manifest unknown: manifest unknown`);
  });
});
