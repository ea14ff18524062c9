import { describe, expect, it } from 'vitest';
import { commitConfig } from '../../src/containers/commit.js';
import type { ContainerConfig } from '../../src/containers/model/docker-types.js';

const container: ContainerConfig = {
  Hostname: 'abc',
  Domainname: '',
  User: 'nobody',
  AttachStdin: false,
  AttachStdout: true,
  AttachStderr: true,
  ExposedPorts: { '80/tcp': {} },
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: ['PATH=/bin', 'A=1'],
  Cmd: ['sh', '-c', 'echo hi'],
  Image: 'busybox',
  Volumes: { '/data': {} },
  WorkingDir: '/srv',
  Entrypoint: null,
  OnBuild: null,
  Labels: { a: 'b' },
  StopSignal: 'SIGUSR1',
};

describe('commit config', () => {
  it("keeps the container's image settings and drops its runtime ones", () => {
    expect(commitConfig(container, [])).toEqual({
      User: 'nobody',
      ExposedPorts: { '80/tcp': {} },
      Env: ['PATH=/bin', 'A=1'],
      Entrypoint: null,
      Cmd: ['sh', '-c', 'echo hi'],
      Volumes: { '/data': {} },
      WorkingDir: '/srv',
      Labels: { a: 'b' },
      StopSignal: 'SIGUSR1',
      OnBuild: null,
    });
  });

  it('applies -c changes on top, as Docker merges them', () => {
    const c = commitConfig(container, ['ENV A=2 B=3', 'CMD ["true"]', 'EXPOSE 53/udp', 'LABEL c=d', 'WORKDIR app']);
    expect(c).toMatchObject({ Env: ['PATH=/bin', 'A=2', 'B=3'], Cmd: ['true'], WorkingDir: '/srv/app', Labels: { a: 'b', c: 'd' } });
    expect(Object.keys(c.ExposedPorts!)).toEqual(['80/tcp', '53/udp']);
  });

  it("expands $VAR in the changes against the container's Env, or a given Config's, as dockerd's BuildFromConfig", () => {
    expect(commitConfig(container, ['ENV PATH=$PATH:/x B=${A}2', 'WORKDIR $PATH']).Env).toEqual(['PATH=/bin:/x', 'A=1', 'B=12']);
    expect(commitConfig(container, ['WORKDIR ${A:-x}/w']).WorkingDir).toBe('/srv/1/w');
    expect(commitConfig(container, ['ENV B=$A'], { Env: ['A=given'] }).Env).toEqual(['A=given', 'B=given', 'PATH=/bin']);
  });

  it("takes a given Config's settings and the changes first, then the container's where they leave one unset (dockerd's merge)", () => {
    const merged = commitConfig(container, ['ENV X=1', 'EXPOSE 443'], { Env: ['Y=2', 'A=given'], Cmd: ['echo', 'hi'], Labels: { c: 'd' }, WorkingDir: '' });
    expect(merged).toEqual({
      User: 'nobody',
      ExposedPorts: { '80/tcp': {}, '443/tcp': {} },
      // The given entries win by key; the container's others follow.
      Env: ['Y=2', 'A=given', 'X=1', 'PATH=/bin'],
      Entrypoint: null,
      Cmd: ['echo', 'hi'],
      Volumes: { '/data': {} },
      WorkingDir: '/srv',
      Labels: { a: 'b', c: 'd' },
      StopSignal: 'SIGUSR1',
      OnBuild: null,
    });
    // No Cmd or Entrypoint given: the container's command stays.
    expect(commitConfig(container, [], { User: 'root' })).toMatchObject({ User: 'root', Cmd: ['sh', '-c', 'echo hi'], Env: ['PATH=/bin', 'A=1'] });
  });
});
