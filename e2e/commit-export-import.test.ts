// ce commit, history, export and import with the real binaries and busybox:
// a container's changes become an image that runs; its whole filesystem goes
// out as a tar and comes back as a one-layer image, from a file, stdin and an
// http server on loopback; a non-tar is refused.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import { ce, ceArgv } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);

let work: string;
let server: Server | undefined;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ce-e2e-commit-'));
});
afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await rm(work, { recursive: true, force: true });
});

const run = (args: string[], input?: string | Buffer) => ce(args, { socket: daemon.socket, input });
async function ok(args: string[], input?: string | Buffer): Promise<string> {
  const r = await run(args, input);
  expect(r.stderr, `ce ${args.join(' ')}`).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}
async function container(args: string[]): Promise<string> {
  const id = (await ok(['create', ...args])).trim();
  ids.push(id);
  return id;
}

describe('ce commit', () => {
  it('makes an image of the files a container wrote and deleted, with its config, -c changes and a history entry', async () => {
    const id = await container(['-e', 'FROM_RUN=1', 'busybox', 'sh', '-c', 'echo made > /made.txt && rm /bin/vi && mkdir -p /opaque && echo in > /opaque/f']);
    await ok(['start', '-a', id]);

    const imageId = (await ok(['commit', '-m', 'my message', '-a', 'Tester <t@example.com>', '-c', 'ENV ADDED=yes', '-c', 'LABEL team=ce', id, 'ce-test/committed:v1'])).trim();
    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);

    // The new image has the changes: the written file is there, the deleted one gone.
    expect(await ok(['run', '--rm', 'ce-test/committed:v1', 'cat', '/made.txt', '/opaque/f'])).toBe('made\nin\n');
    const gone = await run(['run', '--rm', 'ce-test/committed:v1', 'ls', '/bin/vi']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('No such file or directory');

    const [info] = JSON.parse(await ok(['image', 'inspect', 'ce-test/committed:v1']));
    expect(info.Id).toBe(imageId);
    expect(info.Author).toBe('Tester <t@example.com>');
    expect(info.Comment).toBe('my message');
    expect(info.Config.Env).toEqual(expect.arrayContaining(['FROM_RUN=1', 'ADDED=yes']));
    expect(info.Config.Labels).toEqual({ team: 'ce' });
    expect(info.Config.Cmd).toEqual(['sh', '-c', 'echo made > /made.txt && rm /bin/vi && mkdir -p /opaque && echo in > /opaque/f']);

    // docker history: the commit on top, with Docker's columns, the comment and the command as CREATED BY.
    const history = await ok(['history', 'ce-test/committed:v1']);
    const lines = history.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    // CREATED BY is cut to 45 characters, as Docker's table does; SIZE counts the files the layer holds.
    const cells = lines[1]!.split(/ {3,}/);
    expect(cells).toEqual([imageId.slice(7, 19), expect.stringMatching(/^(Less than a second|1 second|\d+ seconds) ago$/), 'sh -c echo made > /made.txt && rm /bin/vi &&…', '8B', 'my message']);
    expect(lines.length).toBeGreaterThan(2);
    const busyboxId = (await ok(['image', 'inspect', '--format', '{{.Id}}', 'busybox'])).trim();
    const quiet = (await ok(['history', '-q', '--no-trunc', 'ce-test/committed:v1'])).trim().split('\n');
    expect(quiet[0]).toBe(imageId);
    expect(quiet[1]).toBe(busyboxId); // the parent is a local image
    const rows = (await ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}', 'ce-test/committed:v1'])).split('\n');
    expect(rows[0]).toBe('sh -c echo made > /made.txt && rm /bin/vi && mkdir -p /opaque && echo in > /opaque/f|my message');
  });

  it('applies -c CMD, commits a running container (paused meanwhile) and emits the commit event', async () => {
    const since = new Date().toISOString();
    const id = (await ok(['run', '-d', 'busybox', 'sh', '-c', 'echo live > /live && sleep 1000'])).trim();
    ids.push(id);
    // The file is written by the container: wait for it (bounded) before committing.
    for (let i = 0; i < 100 && (await run(['exec', id, 'cat', '/live'])).code !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    await ok(['commit', '-c', 'CMD ["cat", "/live"]', id, 'ce-test/committed:cmd']);
    expect(JSON.parse(await ok(['inspect', id]))[0].State.Status).toBe('running');
    expect(await ok(['run', '--rm', 'ce-test/committed:cmd'])).toBe('live\n');

    // As Docker: paused for the commit, the image named, the commit, then thawed.
    const events = await ok(['events', '--since', since, '--until', String(Math.floor(Date.now() / 1000) + 1), '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}']);
    const name = JSON.parse(await ok(['inspect', id]))[0].Name.slice(1);
    expect(events.split('\n').filter((l) => / (pause|unpause|commit) /.test(l) || l.includes('ce-test/committed:cmd'))).toEqual([
      `container pause ${name}`,
      'image tag ce-test/committed:cmd',
      `container commit ${name}`,
      `container unpause ${name}`,
    ]);

    // --pause=false leaves the container running throughout: no pause event.
    const before = new Date().toISOString();
    await ok(['commit', '--pause=false', id, 'ce-test/committed:nopause']);
    const later = await ok(['events', '--since', before, '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', `container=${id}`, '--format', '{{.Action}}']);
    expect(later.trim().split('\n')).toEqual(['commit']);
    await ok(['rm', '-f', id]);
  });

  it("expands $VAR in -c changes against the container's Env, as docker commit does", async () => {
    const id = await container(['-e', 'HOME=/root', '-e', 'WHO=ce', 'busybox', 'true']);
    await ok(['commit', '-c', 'ENV PATH=$PATH:/x GREETING="hi $WHO"', '-c', 'WORKDIR $HOME', '-c', 'CMD echo $WHO', id, 'ce-test/committed:vars']);
    const [info] = JSON.parse(await ok(['image', 'inspect', 'ce-test/committed:vars']));
    expect(info.Config.Env).toEqual(expect.arrayContaining(['PATH=/usr/sbin:/usr/bin:/sbin:/bin:/x', 'GREETING=hi ce']));
    expect(info.Config.WorkingDir).toBe('/root');
    // CMD keeps its text: the shell expands it when the container runs.
    expect(info.Config.Cmd).toEqual(['/bin/sh', '-c', 'echo $WHO']);
    expect(await ok(['run', '--rm', 'ce-test/committed:vars'])).toBe('ce\n');
    const unset = await run(['commit', '-c', 'WORKDIR $NOPE', id, 'ce-test/x']);
    expect(unset).toEqual({ code: 1, stdout: '', stderr: 'ce: Error response from daemon: cannot normalize nothing\n' });
  });

  it('gives Docker errors for a missing container and a bad change', async () => {
    const missing = await run(['commit', 'no-such-container', 'ce-test/x']);
    expect(missing).toEqual({ code: 1, stdout: '', stderr: 'ce: Error response from daemon: No such container: no-such-container\n' });
    const id = await container(['busybox', 'true']);
    const bad = await run(['commit', '-c', 'RUN echo hi', id, 'ce-test/x']);
    expect(bad).toEqual({ code: 1, stdout: '', stderr: 'ce: Error response from daemon: run is not a valid change command\n' });
    expect(await run(['export', 'no-such-container'])).toEqual({ code: 1, stdout: '', stderr: 'ce: Error response from daemon: No such container: no-such-container\n' });
    const untagged = await run(['commit', id]);
    expect(untagged.code).toBe(1);
    expect(untagged.stderr).toBe('ce: Error response from daemon: ce keeps no untagged images: give the new image a name (REPOSITORY[:TAG])\n');
    const noSuchImage = await run(['history', 'ce-test/x']);
    expect(noSuchImage.code).toBe(1);
    expect(noSuchImage.stderr).toBe('ce: Error response from daemon: No such image: ce-test/x:latest\n');
  });
});

describe('ce export and ce import', () => {
  it('exports a container filesystem that imports back as a runnable one-layer image', async () => {
    const id = await container(['busybox', 'sh', '-c', 'echo exported > /exported.txt']);
    await ok(['start', '-a', id]);
    const tarFile = join(work, 'export.tar');
    await ok(['export', '-o', tarFile, id]);
    const tar = await readFile(tarFile);
    // To stdout as well, byte for byte the same files.
    const listed = execFileSync('bash', ['-c', '"$@" | tar -tf -', 'bash', ...ceArgv(daemon.socket, 'export', id)], { encoding: 'utf8' });
    expect(listed.split('\n')).toEqual(expect.arrayContaining(['exported.txt', 'bin/busybox']));
    expect(tar.includes(Buffer.from('exported.txt'))).toBe(true);
    expect(tar.includes(Buffer.from('bin/busybox'))).toBe(true);

    const imageId = (await ok(['import', '-c', 'CMD ["cat", "/exported.txt"]', '-m', 'from export', tarFile, 'ce-test/imported:file'])).trim();
    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await ok(['run', '--rm', 'ce-test/imported:file'])).toBe('exported\n');

    const [info] = JSON.parse(await ok(['image', 'inspect', 'ce-test/imported:file']));
    expect(info.RootFS.Layers).toHaveLength(1);
    const history = (await ok(['history', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Comment}}', 'ce-test/imported:file'])).trim();
    expect(history).toBe(`${imageId.slice(7, 19)}||from export`);

    // The imported image goes through save and load unchanged.
    const saved = join(work, 'imported.tar');
    await ok(['save', '-o', saved, 'ce-test/imported:file']);
    await ok(['rmi', 'ce-test/imported:file']);
    expect((await ok(['load', '-i', saved])).trim()).toBe('Loaded image: ce-test/imported:file');
    expect((await ok(['image', 'inspect', '--format', '{{.Id}}', 'ce-test/imported:file'])).trim()).toBe(imageId);

    // From stdin, with Docker's default comment.
    await ok(['import', '-', 'ce-test/imported:stdin'], tar);
    expect((await ok(['history', '--format', '{{.Comment}}', 'ce-test/imported:stdin'])).trim()).toBe('Imported from -');
    expect(await ok(['run', '--rm', 'ce-test/imported:stdin', 'cat', '/exported.txt'])).toBe('exported\n');

    const events = await ok(['events', '--since', '10m', '--until', String(Math.floor(Date.now() / 1000) + 1), '--format', '{{.Type}} {{.Action}} {{.Actor.ID}}']);
    expect(events).toContain(`container export ${id}`);
    expect(events).toContain(`image tag ${imageId}`);
    expect(events).toContain(`image import ${imageId}`);
  });

  it('imports from an http server on loopback', async () => {
    const tar = await readFile(join(work, 'export.tar'));
    server = createServer((req, res) => {
      if (req.url === '/rootfs.tar') res.end(tar);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await ok(['import', `${url}/rootfs.tar`, 'ce-test/imported:url']);
    expect(await ok(['run', '--rm', 'ce-test/imported:url', 'cat', '/exported.txt'])).toBe('exported\n');
    expect((await ok(['history', '--format', '{{.Comment}}', 'ce-test/imported:url'])).trim()).toBe(`Imported from ${url}/rootfs.tar`);
    const missing = await run(['import', `${url}/nothing.tar`, 'ce-test/imported:none']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('404');
  });

  it('refuses a file that is not a tar, and records nothing', async () => {
    const notTar = join(work, 'not-a-tar.txt');
    await writeFile(notTar, 'this is just some text, not a tar archive\n'.repeat(40));
    const r = await run(['import', notTar, 'ce-test/not-a-tar']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('ce: Error response from daemon: Error processing tar file(exit status 1): archive/tar: invalid tar header\n');
    expect((await run(['image', 'inspect', 'ce-test/not-a-tar'])).code).toBe(1);
    const missing = await run(['import', join(work, 'absent.tar'), 'ce-test/absent']);
    expect(missing).toEqual({ code: 1, stdout: '', stderr: `ce: open ${join(work, 'absent.tar')}: no such file or directory\n` });
  });
});
