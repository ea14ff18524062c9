// ce inspect/ps/images --format against docker's (Docker 20.10, a private
// dockerd) for the same containers in the same image: the same bytes out, the
// same errors and exit codes. Templates that read what ce sets differently
// (ids, times, the storage driver, networks) are left out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import type { TestDaemon } from './support/daemon.js';
import { dockerPeerMissing, startDockerPeer, type CommandResult, type DockerPeer, type PrivateDockerd } from './support/docker-peer.js';

const IMAGE = 'ce-e2e/format-parity:latest';

let peer: DockerPeer | undefined;
let daemon: TestDaemon;
let dockerd: PrivateDockerd;

const strip = (r: CommandResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr.replace(/^ce: /, '') });

async function both(args: string[]): Promise<{ ce: CommandResult; docker: CommandResult }> {
  const [c, d] = await Promise.all([ce(args, { socket: daemon.socket }), dockerd.docker(args)]);
  return { ce: strip(c), docker: d };
}

const INSPECT_TEMPLATES = [
  '{{.Name}} {{.Path}} {{.Args}} {{json .Args}} {{len .Args}}',
  '{{.State.Status}} {{.State.Running}} {{.State.ExitCode}} {{.State.Pid}} {{.State.Error}}|',
  '{{.Config.Labels}} {{json .Config.Labels}} {{index .Config.Labels "a"}} {{.Config.Labels.zz}} {{index .Config.Labels "zz"}}|',
  '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}',
  '{{json .Config.Cmd}} {{.Config.Cmd}} {{join .Config.Cmd "+"}} {{.Config.Entrypoint}} {{json .Config.Entrypoint}}',
  '{{.Config.Healthcheck}} {{.ExecIDs}} {{with .State.Health}}h{{else}}no health{{end}} {{.HostConfig.Binds}} {{json .HostConfig.Binds}}',
  '{{.HostConfig.RestartPolicy}} {{json .HostConfig.RestartPolicy}} {{.HostConfig.Memory}} {{.HostConfig.AutoRemove}}',
  '{{if eq .State.Status "created"}}new{{else}}old{{end}} {{upper .Config.Image}} {{printf "%q|%5d|%-4s|" .Path 42 "x"}}',
  '{{range .Config.Env}}{{if eq . "FOO=<a&b>"}}{{json .}}{{end}}{{end}}',
  '{{.State.Nope}}',
  '{{.Name.Nope}}',
  '{{index .Args 9}}',
  '{{nope}}',
  '{{.Name',
];

describe.skipIf(dockerPeerMissing !== undefined)('--format matches docker (Docker 20.10)', () => {
  beforeAll(async () => {
    peer = await startDockerPeer('format-parity', IMAGE);
    ({ dockerd, daemon } = peer);
    for (const args of [
      ['create', '--name', 'fmt', '--label', 'b=2', '--label', 'a=x y', '-e', 'FOO=<a&b>', IMAGE, 'echo', 'one', 'two words'],
      ['create', '--name', 'listed', '--label', 'tier=web', IMAGE, 'sh', '-c', 'echo a long command line'],
    ]) {
      const r = await both(args);
      expect(r.ce.code, r.ce.stderr).toBe(0);
      expect(r.docker.code, r.docker.stderr).toBe(0);
    }
  }, 180_000);

  afterAll(async () => {
    await peer?.dispose();
  }, 120_000);

  it('ce inspect --format prints what docker inspect --format prints', async () => {
    for (const template of INSPECT_TEMPLATES) {
      const r = await both(['inspect', '--format', template, 'fmt']);
      expect(r.docker.stdout.trim() + r.docker.stderr, template).not.toBe('');
      expect(r.ce, template).toEqual(r.docker);
    }
    // A missing object among present ones.
    const r = await both(['inspect', '--format', '{{.Name}}', 'fmt', 'missing', 'listed']);
    expect(r.ce).toEqual(r.docker);
    const image = await both(['inspect', '--type', 'image', '--format', '{{json .RepoTags}} {{.Os}} {{.Config.Cmd}}', IMAGE]);
    expect(image.ce).toEqual(image.docker);
  });

  it('ce ps --format prints what docker ps --format prints', async () => {
    for (const format of [
      '{{.Names}}|{{.Image}}|{{.Command}}|{{.State}}|{{.Status}}|{{.Label "tier"}}|{{.Ports}}|{{.Mounts}}|{{.LocalVolumes}}',
      'table {{.Names}}\\t{{.Image}}\\t{{.Command}}\\t{{.Status}}\\t{{.Label "com.example.tier"}}',
      '{{.Names}} {{.Size}}',
      '{{json .Names}} {{.Names | upper | printf "%.3s"}}',
      '{{.Nope}}',
      '{{nope}}',
    ]) {
      const r = await both(['ps', '-a', '--filter', 'name=listed', '--format', format]);
      expect(r.docker.stdout.trim() + r.docker.stderr, format).not.toBe('');
      expect(r.ce, format).toEqual(r.docker);
    }
  });

  it('ce images --format prints what docker images --format prints', async () => {
    const repo = IMAGE.split(':')[0]!;
    for (const format of ['{{.Repository}}|{{.Tag}}|{{.Digest}}|{{.SharedSize}}|{{.Containers}}', '{{.Nope}}', '{{nope}}']) {
      const r = await both(['images', '--format', format]);
      const ours = { ...r.ce, stdout: r.ce.stdout.split('\n').filter((l) => !l || l.startsWith(repo)).join('\n') };
      expect(ours, format).toEqual(r.docker);
    }
  });
});
