import type { Container } from '@ce/protocol/gen/ce/api/v1/containers';
import { describe, expect, it } from 'vitest';
import { listsAll, matchesPsFilters, parsePsFilters, PsFilterError, selectContainers, validatePsFilters } from '../../src/ps-filter.js';

function container(over: Partial<Container> & { status?: string; exitCode?: number; started?: boolean; health?: string }): Container {
  const status = over.status ?? 'running';
  return {
    id: over.id ?? 'a'.repeat(64),
    name: over.name ?? 'web',
    image: over.image ?? 'busybox',
    imageId: over.imageId ?? `sha256:${'b'.repeat(64)}`,
    pathAndArgs: [],
    createdAt: over.createdAt ?? new Date(1000),
    state: {
      status,
      running: status === 'running',
      pid: 0,
      exitCode: over.exitCode ?? 0,
      startedAt: over.started === false ? undefined : new Date(2000),
      finishedAt: undefined,
      error: '',
      health: over.health ?? '',
    },
    autoRemove: false,
    labels: over.labels ?? {},
    hostname: '',
    env: [],
    workingDir: '',
    user: '',
    tty: false,
  };
}

const matches = (c: Container, ...filters: string[]) => matchesPsFilters(c, parsePsFilters(filters));

describe('ps --filter matching, as Docker 20.10', () => {
  it('name: a pattern found in /name or in the name (dockerd matches both)', () => {
    const c = container({ name: 'web-1' });
    expect(matches(c, 'name=web')).toBe(true);
    expect(matches(c, 'name=^/web-1$')).toBe(true);
    expect(matches(c, 'name=^web-1$')).toBe(true);
    expect(matches(c, 'name=^web')).toBe(true);
    expect(matches(c, 'name=^eb')).toBe(false);
    expect(matches(c, 'name=^/eb')).toBe(false);
    expect(matches(c, 'name=db', 'name=web')).toBe(true);
    expect(matches(c, 'name=db')).toBe(false);
  });

  it('id: the full id or a pattern in it', () => {
    const c = container({ id: `1234${'0'.repeat(60)}` });
    expect(matches(c, 'id=1234')).toBe(true);
    expect(matches(c, `id=${c.id}`)).toBe(true);
    expect(matches(c, 'id=9999')).toBe(false);
  });

  it('label: key, or key=value; every label filter must hold', () => {
    const c = container({ labels: { tier: 'front', env: '' } });
    expect(matches(c, 'label=tier')).toBe(true);
    expect(matches(c, 'label=tier=front')).toBe(true);
    expect(matches(c, 'label=tier=back')).toBe(false);
    expect(matches(c, 'label=env=')).toBe(true);
    expect(matches(c, 'label=tier', 'label=missing')).toBe(false);
  });

  it('status: any of the given states', () => {
    expect(matches(container({ status: 'exited' }), 'status=exited')).toBe(true);
    expect(matches(container({ status: 'exited' }), 'status=running', 'status=exited')).toBe(true);
    expect(matches(container({ status: 'created', started: false }), 'status=running')).toBe(false);
  });

  it('exited: the code of a container that ran and stopped', () => {
    expect(matches(container({ status: 'exited', exitCode: 3 }), 'exited=3')).toBe(true);
    expect(matches(container({ status: 'exited', exitCode: 3 }), 'exited=0')).toBe(false);
    expect(matches(container({ status: 'running' }), 'exited=0')).toBe(false);
    expect(matches(container({ status: 'created', started: false }), 'exited=0')).toBe(false);
  });

  it('ancestor: the image by name, with or without its default tag and registry, or by id', () => {
    const c = container({ image: 'busybox', imageId: `sha256:abc${'0'.repeat(61)}` });
    for (const v of ['busybox', 'busybox:latest', 'docker.io/library/busybox:latest', 'abc', 'sha256:abc']) expect(matches(c, `ancestor=${v}`)).toBe(true);
    expect(matches(c, 'ancestor=busybox:1.36')).toBe(false);
    expect(matches(c, 'ancestor=alpine')).toBe(false);
  });

  it('health: the health status, none without a health check', () => {
    expect(matches(container({ health: 'starting' }), 'health=starting')).toBe(true);
    expect(matches(container({ health: 'healthy' }), 'health=unhealthy', 'health=healthy')).toBe(true);
    expect(matches(container({ health: 'unhealthy' }), 'health=healthy')).toBe(false);
    expect(matches(container({}), 'health=none')).toBe(true);
    expect(matches(container({}), 'health=healthy')).toBe(false);
  });
  it('different keys must all hold', () => {
    const c = container({ name: 'web', status: 'running' });
    expect(matches(c, 'name=web', 'status=running')).toBe(true);
    expect(matches(c, 'name=web', 'status=exited')).toBe(false);
  });
});

describe('ps --filter validation', () => {
  const refused = (...filters: string[]) => {
    try {
      validatePsFilters(parsePsFilters(filters));
    } catch (err) {
      expect(err).toBeInstanceOf(PsFilterError);
      return (err as PsFilterError).message;
    }
    return undefined;
  };
  it("refuses an unknown key in Docker's words", () => {
    expect(refused('colour=red')).toBe("Invalid filter 'colour'");
  });
  it('refuses an unknown state and a non-numeric exit code', () => {
    expect(refused('status=sleeping')).toBe("Invalid filter 'status=sleeping'");
    expect(refused('exited=x')).toBe('strconv.Atoi: parsing "x": invalid syntax');
    expect(refused('health=ok')).toBe('Unrecognised filter value for health: ok');
  });
  it('says so for a Docker key ce does not serve yet, not as a daemon error', () => {
    let thrown: unknown;
    try {
      validatePsFilters(parsePsFilters(['before=x']));
    } catch (err) {
      thrown = err;
    }
    expect((thrown as PsFilterError).asDaemon).toBe(false);
  });
  it('accepts every supported key', () => {
    expect(refused('name=a', 'id=b', 'label=c', 'status=paused', 'exited=-1', 'ancestor=busybox', 'health=none')).toBeUndefined();
  });
  it('refuses a filter without "=" as the docker CLI does', () => {
    expect(() => parsePsFilters(['name'])).toThrow('bad format of filter (expected name=value)');
  });
});

describe('ps -n / -l', () => {
  const cs = [1, 3, 2].map((t) => container({ name: `c${t}`, createdAt: new Date(t * 1000) }));
  it('keeps the last n created, newest first, after filtering', () => {
    expect(selectContainers(cs, new Map(), 2).map((c) => c.name)).toEqual(['c3', 'c2']);
    expect(selectContainers(cs, parsePsFilters(['name=c1|c2']), 1).map((c) => c.name)).toEqual(['c2']);
    expect(selectContainers(cs, new Map(), -1).map((c) => c.name)).toEqual(['c1', 'c3', 'c2']);
  });
  it('asks for stopped containers with -a, -n, -l or a status filter, as Docker does', () => {
    expect(listsAll(false, -1, new Map())).toBe(false);
    expect(listsAll(false, 1, new Map())).toBe(true);
    expect(listsAll(false, -1, parsePsFilters(['status=exited']))).toBe(true);
    expect(listsAll(false, -1, parsePsFilters(['exited=0']))).toBe(false);
  });
});
