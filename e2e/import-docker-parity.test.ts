// Issue 11: an import of something that is not a tar (`ce import`, `docker
// import` against ced's docker.sock, POST /images/create?fromSrc=-) is refused
// in Docker 20.10's words and status, and records no image: compared with a
// private dockerd given the same bytes.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpOverUnix } from '../packages/docker-api/test/support/http-over-unix.js';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { dockerCli, dockerSocketOf } from './support/docker-cli.js';
import { dockerPeerMissing, startDockerPeer, type DockerPeer, type PrivateDockerd } from './support/docker-peer.js';

const IMAGE = 'ce-e2e/import-parity:latest';

describe.skipIf(dockerPeerMissing !== undefined)('an import of a non-tar matches Docker 20.10', () => {
  let peer: DockerPeer | undefined;
  let daemon: TestDaemon;
  let dockerd: PrivateDockerd;
  const inputs: Record<string, Buffer> = {};

  beforeAll(async () => {
    peer = await startDockerPeer('import-parity', IMAGE);
    ({ dockerd, daemon } = peer);
    // A tar cut in the middle of its first file's content.
    const whole = execFileSync('tar', ['-C', join(__dirname, '..', 'docs'), '-cf', '-', 'decisions']);
    Object.assign(inputs, {
      'short text': Buffer.from('not a tar at all\n'),
      'a page of text': Buffer.from('this is just some text, not a tar archive\n'.repeat(40)),
      'a cut tar': whole.subarray(0, 3000),
      'gzip of text': gzipSync('hello\n'),
      'a broken gzip stream': Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]),
    });
    for (const [what, bytes] of Object.entries(inputs)) writeFileSync(join(peer.work, `${what.replaceAll(' ', '-')}.in`), bytes);
  }, 180_000);

  afterAll(async () => {
    await peer?.dispose();
  }, 120_000);

  const images = async () => ({
    ce: (await ce(['images', '-aq'], { socket: daemon.socket })).stdout.split('\n').filter(Boolean).length,
    docker: (await dockerd.docker(['images', '-aq'])).stdout.split('\n').filter(Boolean).length,
  });

  it('docker import and ce import say what dockerd says, exit 1 and record nothing', async () => {
    const before = await images();
    for (const [what, bytes] of Object.entries(inputs)) {
      const file = join(peer!.work, `${what.replaceAll(' ', '-')}.in`);
      const reference = await dockerd.docker(['import', '-', 'imported:bad'], { input: bytes as unknown as string });
      expect(reference.code, what).toBe(1);
      expect(reference.stderr, what).toMatch(/^Error response from daemon: Error processing tar file\(/);
      const throughDockerSock = await dockerCli(['import', '-', 'imported:bad'], { daemon, input: bytes });
      expect(throughDockerSock, what).toEqual({ code: 1, stdout: '', stderr: reference.stderr });
      const fromFile = await dockerCli(['import', file, 'imported:bad'], { daemon });
      expect(fromFile, what).toEqual({ code: 1, stdout: '', stderr: reference.stderr });
      const ceImport = await ce(['import', file, 'imported:bad'], { socket: daemon.socket });
      expect(ceImport, what).toEqual({ code: 1, stdout: '', stderr: `ce: ${reference.stderr}` });
      expect(await ce(['import', '-', 'imported:bad'], { socket: daemon.socket, input: readFileSync(file) }), what).toEqual(ceImport);
    }
    expect(await images()).toEqual(before);
  });

  it('POST /images/create?fromSrc=- answers with dockerd\'s status and message', async () => {
    const dockerdSocket = dockerd.host[1]!.replace(/^unix:\/\//, '');
    for (const [what, bytes] of Object.entries(inputs)) {
      const path = '/v1.41/images/create?fromSrc=-&repo=imported&tag=api';
      const options = { raw: bytes, contentType: 'application/x-tar' };
      const [fromCed, fromDockerd] = await Promise.all([httpOverUnix(dockerSocketOf(daemon), 'POST', path, options), httpOverUnix(dockerdSocket, 'POST', path, options)]);
      expect(fromDockerd.status, what).toBe(500);
      expect({ status: fromCed.status, body: JSON.parse(fromCed.body) }, what).toEqual({ status: fromDockerd.status, body: JSON.parse(fromDockerd.body) });
    }
  });
});
