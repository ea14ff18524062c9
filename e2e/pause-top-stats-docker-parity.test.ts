// ce pause, unpause, top, stats and update against Docker 20.10 (a private dockerd, its containers
// on --network none, no iptables) from the same image archive: the same command lines, the same words and columns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { dockerPeerMissing, startDockerPeer, type CommandResult, type DockerPeer, type PrivateDockerd } from './support/docker-peer.js';

const IMAGE = 'ce-e2e/pause-stats:latest';
// the trailing `true` keeps sh from exec'ing its last command: three processes
const THREE = 'sleep 1000 & sleep 2000; true';

let peer: DockerPeer | undefined;
let daemon: TestDaemon;
let dockerd: PrivateDockerd;

/** Ids, times and the program's name differ between the engines by nature; the rest must not. */
function normalize(r: CommandResult): CommandResult {
  const text = (s: string) =>
    s
      .replace(/^ce: /gm, '')
      .replace(/\b[0-9a-f]{64}\b/g, '<id>')
      .replace(/\b[0-9a-f]{12}\b/g, '<short-id>')
      .replace(/'(ce|docker) (\w+) --help'/g, "'<prog> $2 --help'");
  return { code: r.code, stdout: text(r.stdout), stderr: text(r.stderr) };
}

/** `dockerArgs`: Docker's own command line when it must differ (its containers on `--network none`, as ce's have no network yet). */
async function both(args: string[], dockerArgs = args): Promise<{ ce: CommandResult; docker: CommandResult }> {
  const [c, d] = await Promise.all([ce(args, { socket: daemon.socket }), dockerd.docker(dockerArgs, { timeoutMs: 60_000 })]);
  return { ce: normalize(c), docker: normalize(d) };
}

async function expectSame(args: string[], expected?: Partial<CommandResult>): Promise<void> {
  const r = await both(args);
  expect(r.ce, args.join(' ')).toEqual(r.docker);
  if (expected) expect(r.docker).toMatchObject(expected);
}

const columns = (line: string | undefined) => (line ?? '').trim().split(/\s{3,}/);

describe.skipIf(dockerPeerMissing !== undefined)('ce pause/unpause/top/stats/update match Docker 20.10', () => {
  beforeAll(async () => {
    peer = await startDockerPeer('pause-stats-parity', IMAGE);
    ({ dockerd, daemon } = peer);
    for (const name of ['pz', 'watched']) {
      const r = await both(['run', '-d', '--name', name, IMAGE, 'sh', '-c', THREE], ['run', '-d', '--network', 'none', '--name', name, IMAGE, 'sh', '-c', THREE]);
      expect(r.ce).toMatchObject({ code: 0, stderr: '' });
      expect(r.docker).toMatchObject({ code: 0, stderr: '' });
    }
    await both(['run', '--name', 'done', IMAGE, 'true'], ['run', '--network', 'none', '--name', 'done', IMAGE, 'true']);
  }, 180_000);

  afterAll(async () => {
    await peer?.dispose();
  }, 120_000);

  it('pause and unpause: output, errors and the paused status in ps', async () => {
    await expectSame(['pause', 'pz'], { code: 0, stdout: 'pz\n' });
    await expectSame(['pause', 'pz'], { code: 1 });
    await expectSame(['pause', 'done', 'nosuch'], { code: 1 });
    const ps = await both(['ps', '--filter', 'status=paused']);
    expect(ps.ce.stdout.split('\n').length).toBe(ps.docker.stdout.split('\n').length);
    expect(columns(ps.ce.stdout.split('\n')[1])[4]).toMatch(/^Up .* \(Paused\)$/);
    expect(columns(ps.docker.stdout.split('\n')[1])[4]).toMatch(/^Up .* \(Paused\)$/);
    await expectSame(['unpause', 'pz'], { code: 0, stdout: 'pz\n' });
    await expectSame(['unpause', 'pz', 'nosuch'], { code: 1 });
  });

  it("top: ps -ef's columns and the container's commands", async () => {
    const r = await both(['top', 'pz']);
    expect(r.ce.code).toBe(0);
    const [ceHeader, ...ceRows] = r.ce.stdout.trimEnd().split('\n');
    const [dockerHeader, ...dockerRows] = r.docker.stdout.trimEnd().split('\n');
    expect(ceHeader).toBe(dockerHeader);
    const cmds = (rows: string[]) => rows.map((l) => columns(l).at(-1)).sort();
    expect(cmds(ceRows)).toEqual(cmds(dockerRows));
    const withOptions = await both(['top', 'pz', '-o', 'pid,comm']);
    expect(withOptions.ce.stdout.split('\n')[0]).toBe(withOptions.docker.stdout.split('\n')[0]);
    await expectSame(['top', 'done'], { code: 1 });
    await expectSame(['top', 'nosuch'], { code: 1 });
  });

  it('stats --no-stream: the columns, NET I/O and PIDS of a running container; zeros for a stopped one', async () => {
    const r = await both(['stats', '--no-stream', 'pz']);
    expect(r.ce.code).toBe(0);
    const [ceHeader, ceRow] = r.ce.stdout.split('\n');
    const [dockerHeader, dockerRow] = r.docker.stdout.split('\n');
    expect(columns(ceHeader)).toEqual(columns(dockerHeader));
    const ce = columns(ceRow);
    const docker = columns(dockerRow);
    expect(ce.length).toBe(docker.length);
    expect([ce[1], ce[5], ce[7]]).toEqual([docker[1], docker[5], docker[7]]);
    // both against the same machine's memory when no limit is set
    expect(ce[3]!.split(' / ')[1]).toBe(docker[3]!.split(' / ')[1]);
    const stopped = await both(['stats', '--no-stream', 'done']);
    expect(columns(stopped.ce.stdout.split('\n')[1]).slice(1)).toEqual(columns(stopped.docker.stdout.split('\n')[1]).slice(1));
    await expectSame(['stats', '--no-stream', 'nosuch'], { code: 1 });
  });

  it('times each verb beside Docker, with `version` as the floor (printed)', async () => {
    const timed = async (engine: 'ce' | 'docker', args: string[]) => {
      const t0 = performance.now();
      const r = engine === 'ce' ? await ce(args, { socket: daemon.socket }) : await dockerd.docker(args, { timeoutMs: 60_000 });
      expect(r.code, `${engine} ${args.join(' ')}: ${r.stderr}`).toBe(0);
      return Math.round(performance.now() - t0);
    };
    const rows: string[] = [];
    for (const args of [['version'], ['pause', 'pz'], ['unpause', 'pz'], ['top', 'pz'], ['stats', '--no-stream', 'pz']]) {
      const c = await timed('ce', args);
      const d = await timed('docker', args);
      rows.push(`${args.join(' ')}: ce ${c} ms, docker ${d} ms`);
    }
    console.log(rows.join('\n'));
  });

  it('update: the limit in stats, and bad values refused in the same words', async () => {
    await expectSame(['update', '--memory', '64m', '--memory-swap', '128m', '--pids-limit', '50', 'watched'], { code: 0, stdout: 'watched\n' });
    const r = await both(['stats', '--no-stream', 'watched']);
    expect(columns(r.ce.stdout.split('\n')[1])[3]!.split(' / ')[1]).toBe('64MiB');
    expect(columns(r.docker.stdout.split('\n')[1])[3]!.split(' / ')[1]).toBe('64MiB');
    await expectSame(['update', '--memory', 'lots', 'watched'], { code: 125 });
    await expectSame(['update', '--memory', '1m', 'watched'], { code: 1 });
    await expectSame(['update', '--memory', '256m', 'watched'], { code: 1 });
    // memory alone on a container without a swap limit: Docker's own conflict
    await expectSame(['update', '--memory', '32m', 'pz'], { code: 1 });
    await expectSame(['update', '--cpus', '0.5', '--pids-limit', '40', 'pz'], { code: 0, stdout: 'pz\n' });
    await expectSame(['update', '--cpu-quota', '50000', 'pz'], { code: 1 });
    await expectSame(['update', 'watched']);
    await expectSame(['update', '--cpus', 'abc', 'watched'], { code: 125 });
  });
});
