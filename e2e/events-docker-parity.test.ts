// ce events against Docker 20.10 (a private dockerd, no bridge, no iptables)
// from the same image archive: the same command lines give the same event
// lines, once times and container ids are set aside.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { dockerPeerMissing, startDockerPeer, type CommandResult, type DockerPeer, type PrivateDockerd } from './support/docker-peer.js';

const IMAGE = 'ce-e2e/events:latest';

let peer: DockerPeer | undefined;
let daemon: TestDaemon;
let dockerd: PrivateDockerd;

async function both(args: string[]): Promise<{ ce: CommandResult; docker: CommandResult }> {
  const [c, d] = await Promise.all([ce(args, { socket: daemon.socket }), dockerd.docker(args, { timeoutMs: 60_000 })]);
  return { ce: c, docker: d };
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}(Z|[+-]\d{2}:\d{2}) /;

/** Event lines with the time, each container id (by what the test calls it) and exec ids replaced. */
function normalized(out: string, names: Record<string, string>): string[] {
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      expect(line).toMatch(TIME);
      let rest = line.replace(TIME, '<time> ');
      for (const [id, name] of Object.entries(names)) rest = rest.replaceAll(id, `<${name}>`);
      rest = rest.replace(/execID=[0-9a-f]{64}/g, 'execID=<exec>');
      return rest;
    });
}

describe.skipIf(dockerPeerMissing !== undefined)('ce events matches Docker 20.10', () => {
  beforeAll(async () => {
    peer = await startDockerPeer('events-parity', IMAGE);
    ({ dockerd, daemon } = peer);
  }, 180_000);

  afterAll(async () => {
    await peer?.dispose();
  }, 120_000);

  it("prints the same container and image events for run, kill, stop, start, exec, pause, unpause, restart, rm -f, run --rm, a failed start, rename, tag and rmi", async () => {
    const since = (Date.now() / 1000).toFixed(3); // after the setup's save and load
    const ids = { ce: {} as Record<string, string>, docker: {} as Record<string, string> };
    const started = await both(['run', '-d', '--name', 'evp', '--label', 'tier=web', IMAGE, 'sleep', '1000']);
    ids.ce[started.ce.stdout.trim()] = 'evp';
    ids.docker[started.docker.stdout.trim()] = 'evp';
    const renamed = await both(['create', '--name', 'evs', IMAGE, 'true']);
    ids.ce[renamed.ce.stdout.trim()] = 'evs';
    ids.docker[renamed.docker.stdout.trim()] = 'evs';
    for (const args of [
      ['kill', '-s', 'USR1', 'evp'],
      ['stop', '-t', '1', 'evp'],
      ['start', 'evp'],
      ['exec', 'evp', 'sh', '-c', 'exit 4'],
      ['pause', 'evp'],
      ['unpause', 'evp'],
      ['restart', '-t', '1', 'evp'],
      ['rm', '-f', 'evp'],
      ['run', '--rm', '--name', 'evq', IMAGE, 'sh', '-c', 'exit 3'],
      ['run', '--name', 'evr', IMAGE, 'nosuchcmd'],
      ['rm', 'evr'],
      ['rename', 'evs', 'evs2'],
      ['rm', 'evs2'],
      ['tag', IMAGE, 'ce-e2e/events:other'],
      ['rmi', 'ce-e2e/events:other'],
    ]) {
      const r = await both(args);
      expect(r.ce.code, `${args.join(' ')}: ${r.ce.stderr}`).toBe(r.docker.code);
    }
    // --until past: the command ends after the kept events.
    const until = (Date.now() / 1000).toFixed(3);
    const filters = ['--filter', 'type=container', '--filter', 'type=image'];
    const events = await both(['events', '--since', since, '--until', until, ...filters]);
    expect(events.ce.code, events.ce.stderr).toBe(0);
    expect(events.docker.code, events.docker.stderr).toBe(0);
    // The ids of containers run in the foreground show only in events: found from their create lines.
    for (const [engine, out] of [['ce', events.ce.stdout], ['docker', events.docker.stdout]] as const) {
      for (const name of ['evq', 'evr']) {
        const id = new RegExp(` container create ([0-9a-f]{64}) \\(.*name=${name}`).exec(out)?.[1];
        if (id) ids[engine][id] = name;
      }
    }
    expect(normalized(events.ce.stdout, ids.ce)).toEqual(normalized(events.docker.stdout, ids.docker));

    const json = await both(['events', '--since', since, '--until', until, '--filter', 'event=die', '--format', '{{json .}}']);
    const shape = (out: string) => out.split('\n').filter(Boolean).map((line) => {
      const m = JSON.parse(line) as { id: string; Actor: { ID: string }; time: number; timeNano: number };
      return { ...m, id: '', Actor: { ...m.Actor, ID: '' }, time: 0, timeNano: 0 };
    });
    expect(shape(json.ce.stdout)).toEqual(shape(json.docker.stdout));
    const template = '{{.Type}} {{.Action}} {{range $k, $v := .Actor.Attributes}}{{$k}}={{$v}} {{end}}{{.Actor.Attributes.nope}}';
    const templated = await both(['events', '--since', since, '--until', until, '--filter', 'container=evp', '-f', 'event=kill', '-f', 'event=die', '--format', template]);
    expect(templated.ce).toEqual(templated.docker);
    expect(json.ce.stdout.replace(/"(id|ID)":"[0-9a-f]{64}"/g, '').replace(/"time":\d+,"timeNano":\d+/g, '')).toBe(
      json.docker.stdout.replace(/"(id|ID)":"[0-9a-f]{64}"/g, '').replace(/"time":\d+,"timeNano":\d+/g, ''),
    );
  }, 120_000);

  it('refuses bad input with the same words and exit codes', async () => {
    for (const args of [
      ['events', '-f', 'nonsense'],
      ['events', '--since', '2000', '--until', '1000'],
      ['events', '--since', 'yesterday'],
      ['events', '--until', '2001-02-30T25:00:00'],
      ['events', '--until', '2001-02-30T10:00:00Z'],
      ['events', '--since', '2001-13-01'],
      ['events', '--format', '{{.Nope}}'],
      ['events', '--format', '{{.Type'],
    ]) {
      const r = await both(args);
      const words = (x: CommandResult) => ({ code: x.code, stdout: x.stdout, stderr: x.stderr.replace(/^ce: /gm, '').replace(/\b(docker|ce) events/g, '<cli> events') });
      expect(words(r.ce), args.join(' ')).toEqual(words(r.docker));
    }
  });
});
