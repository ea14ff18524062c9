// A container whose executable is missing or may not be run, in ce and in
// Docker 20.10 (a private dockerd, no bridge) from the same image archive: the
// same exit codes (127 not found, 126 cannot invoke, 125 otherwise) and runc's
// words for the cause. ce decides the code from ce-init's failure record
// (op, errno), not from these words.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { dockerPeerMissing, startDockerPeer, type CommandResult, type DockerPeer, type PrivateDockerd } from './support/docker-peer.js';

const IMAGE = 'ce-e2e/exec-failures:latest';

let peer: DockerPeer | undefined;
let daemon: TestDaemon;
let dockerd: PrivateDockerd;

async function both(args: string[]): Promise<{ ce: CommandResult; docker: CommandResult }> {
  const [c, d] = await Promise.all([ce(args, { socket: daemon.socket }), dockerd.docker(args, { timeoutMs: 60_000 })]);
  return { ce: c, docker: d };
}

describe.skipIf(dockerPeerMissing !== undefined)('a process that cannot be run: exit codes as Docker 20.10 gives them', () => {
  beforeAll(async () => {
    peer = await startDockerPeer('exec-failures', IMAGE);
    ({ dockerd, daemon } = peer);
  }, 180_000);

  afterAll(async () => {
    await peer?.dispose();
  }, 120_000);

  const cases: Array<{ what: string; command: string; code: number; says: string }> = [
    { what: 'not in $PATH', command: 'nope', code: 127, says: 'exec: "nope": executable file not found in $PATH' },
    { what: 'no such file', command: '/no/such', code: 127, says: 'exec: "/no/such": stat /no/such: no such file or directory' },
    { what: 'a file without the execute bit', command: '/etc/passwd', code: 126, says: 'exec: "/etc/passwd": permission denied' },
    { what: 'a folder', command: '/tmp', code: 126, says: 'exec: "/tmp": permission denied' },
    { what: 'below a file (ENOTDIR)', command: '/etc/passwd/x', code: 125, says: 'stat /etc/passwd/x: not a directory' },
  ];

  for (const c of cases) {
    it(`run --rm of ${c.what}: ${c.code}`, async () => {
      const r = await both(['run', '--rm', IMAGE, c.command]);
      expect(r.docker.code).toBe(c.code);
      expect(r.ce.code).toBe(r.docker.code);
      expect(r.docker.stderr).toContain(c.says);
      expect(r.ce.stderr.toLowerCase()).toContain(c.says.toLowerCase());
    });
  }

  it('run -d gives the same codes', async () => {
    for (const [command, code] of [['nope', 127], ['/etc/passwd', 126]] as const) {
      const r = await both(['run', '-d', '--rm', IMAGE, command]);
      expect([r.ce.code, r.docker.code]).toEqual([code, code]);
    }
  });

  it('start of a created container that cannot run: exit 1, the container kept', async () => {
    await both(['create', '--name', 'cannot-run', IMAGE, 'nope']);
    const r = await both(['start', 'cannot-run']);
    expect([r.ce.code, r.docker.code]).toEqual([1, 1]);
    expect(r.ce.stderr).toContain('exec: "nope": executable file not found in $PATH');
    const left = await both(['ps', '-a', '-q', '--filter', 'name=cannot-run']);
    expect(left.ce.stdout.trim()).not.toBe('');
    await both(['rm', 'cannot-run']);
  });
});
