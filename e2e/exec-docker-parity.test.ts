// `ce exec` against `docker exec` (Docker 20.10, a private dockerd) in the same image:
// the same exit codes, streams and messages, for commands that run and for those that cannot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { dockerPeerMissing, startDockerPeer, type CommandResult, type DockerPeer, type PrivateDockerd } from './support/docker-peer.js';

const IMAGE = 'ce-e2e/exec-parity:latest';

let peer: DockerPeer | undefined;
let daemon: TestDaemon;
let dockerd: PrivateDockerd;
const ids: { ce: string; docker: string } = { ce: '', docker: '' };

const strip = (r: CommandResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr.replace(/^ce: /, '') });

/** The same command in each engine; `input` on stdin; the container ids made alike. */
async function inBoth(args: string[], input?: string): Promise<{ ce: CommandResult; docker: CommandResult }> {
  const [c, d] = await Promise.all([ce(args, { socket: daemon.socket, input }), dockerd.docker(args, { input })]);
  const same = (r: CommandResult, id: string) => ({ ...r, stdout: r.stdout.replaceAll(id, '<id>'), stderr: r.stderr.replaceAll(id, '<id>') });
  return { ce: same(strip(c), ids.ce), docker: same(d, ids.docker) };
}

describe.skipIf(dockerPeerMissing !== undefined)('ce exec matches docker exec (Docker 20.10)', () => {
  beforeAll(async () => {
    peer = await startDockerPeer('exec-parity', IMAGE);
    ({ dockerd, daemon } = peer);
    const [c, d] = await Promise.all([
      ce(['run', '-d', '--name', 'box', IMAGE, 'sleep', '1000'], { socket: daemon.socket }),
      dockerd.docker(['run', '-d', '--name', 'box', IMAGE, 'sleep', '1000']),
    ]);
    expect(c.code, c.stderr).toBe(0);
    expect(d.code, d.stderr).toBe(0);
    ids.ce = c.stdout.trim();
    ids.docker = d.stdout.trim();
    const made = await inBoth(['exec', 'box', 'sh', '-c', 'printf "#!/bin/sh\\necho hi\\n" > /tmp/noexec']);
    expect(made.ce.code).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await peer?.dispose();
  }, 120_000);

  it('the same output and exit code for commands that run, with -e, -u, -w, -i and -t', async () => {
    for (const [args, input] of [
      [['exec', 'box', 'sh', '-c', 'echo out; echo err >&2; exit 7']],
      [['exec', '-e', 'A=1', 'box', 'sh', '-c', 'echo $A $PATH']],
      [['exec', '-u', 'nobody', 'box', 'id']],
      [['exec', '-u', '123:45', 'box', 'id']],
      [['exec', '-w', '/tmp', 'box', 'pwd']],
      [['exec', '-i', 'box', 'cat'], 'piped\n'],
      [['exec', 'box', 'cat'], 'not read\n'],
      [['exec', '-t', 'box', 'sh', '-c', 'echo $TERM; tty | grep -c pts']],
      [['exec', '-d', 'box', 'true']],
      [['exec', '--detach-keys', 'ctrl-x,y', 'box', 'echo', 'ok']],
    ] as [string[], string?][]) {
      const r = await inBoth(args, input);
      expect(r.ce, args.join(' ')).toEqual(r.docker);
    }
  });

  it("the same exit code 126 and message for commands that cannot run", async () => {
    for (const args of [['exec', 'box', 'nope'], ['exec', 'box', '/tmp/noexec'], ['exec', 'box', '/tmp'], ['exec', '-u', 'nosuch', 'box', 'id']]) {
      const r = await inBoth(args);
      expect(r.ce, args.join(' ')).toEqual(r.docker);
    }
    // A working directory that is not there: 126 in both; ce-init words the chdir failure its own way.
    const cwd = await inBoth(['exec', '-w', '/nonexistent', 'box', 'pwd']);
    expect([cwd.ce.code, cwd.docker.code]).toEqual([126, 126]);
    expect(cwd.ce.stdout).toMatch(/^OCI runtime exec failed: exec failed: unable to start container process: .*\/nonexistent.*: unknown\r\n$/);
  });

  it('the same refusals: unknown container, bad detach keys, a stopped container', async () => {
    for (const args of [['exec', 'nosuchc', 'ls'], ['exec', '--detach-keys', 'zz', 'box', 'ls']]) {
      const r = await inBoth(args);
      expect(r.ce, args.join(' ')).toEqual(r.docker);
    }
    const [c, d] = await Promise.all([ce(['stop', '-t', '0', 'box'], { socket: daemon.socket }), dockerd.docker(['stop', '-t', '0', 'box'])]);
    expect([c.code, d.code]).toEqual([0, 0]);
    const r = await inBoth(['exec', 'box', 'ls']);
    expect(r.ce).toEqual(r.docker);
  });
});
