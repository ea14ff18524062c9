import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/events/engine-event.js';
import { groupFilters, includes } from '../../src/events/event-filter.js';

const ID = 'a'.repeat(64);
const container = (action: string, attributes: Record<string, string> = {}): EngineEvent => ({
  type: 'container',
  action,
  actor: { id: ID, attributes: { image: 'busybox:1.36', name: 'web', tier: 'front', ...attributes } },
  scope: 'local',
  timeNano: 1n,
});
const image = (action: string, id: string, name: string): EngineEvent => ({ type: 'image', action, actor: { id, attributes: { name } }, scope: 'local', timeNano: 1n });

const matches = (pairs: [string, string][], event: EngineEvent) => includes(groupFilters(pairs.map(([key, value]) => ({ key, value }))), event);

describe('event filters (Docker daemon/events Filter.Include)', () => {
  it('matches everything without filters, and ignores keys it does not know', () => {
    expect(matches([], container('start'))).toBe(true);
    expect(matches([['nonsense', 'x']], container('start'))).toBe(true);
  });

  it('container=: a prefix of the id or of the name; other kinds of event never match', () => {
    expect(matches([['container', 'aaaa']], container('start'))).toBe(true);
    expect(matches([['container', 'we']], container('start'))).toBe(true);
    expect(matches([['container', 'db']], container('start'))).toBe(false);
    expect(matches([['container', 'db'], ['container', 'web']], container('start'))).toBe(true);
    expect(matches([['container', 'web']], image('pull', 'busybox:latest', 'busybox:latest'))).toBe(false);
  });

  it('event=: exact, except exec_create, exec_start and health_status, which match their suffixed forms', () => {
    expect(matches([['event', 'die']], container('die'))).toBe(true);
    expect(matches([['event', 'di']], container('die'))).toBe(false);
    expect(matches([['event', 'exec_start']], container('exec_start: sh -c date'))).toBe(true);
    expect(matches([['event', 'health_status']], container('health_status: unhealthy'))).toBe(true);
    expect(matches([['event', 'health_status: healthy']], container('health_status: unhealthy'))).toBe(false);
    expect(matches([['event', 'exec_die']], container('exec_die'))).toBe(true);
  });

  it('type= and scope=: exact', () => {
    expect(matches([['type', 'container']], container('start'))).toBe(true);
    expect(matches([['type', 'image']], container('start'))).toBe(false);
    expect(matches([['scope', 'local']], container('start'))).toBe(true);
    expect(matches([['scope', 'swarm']], container('start'))).toBe(false);
  });

  it("image=: the container's image or an image event's name or id, with or without the tag", () => {
    expect(matches([['image', 'busybox:1.36']], container('start'))).toBe(true);
    expect(matches([['image', 'busybox']], container('start'))).toBe(true);
    expect(matches([['image', 'busy']], container('start'))).toBe(false);
    expect(matches([['image', 'busybox']], image('tag', 'sha256:1', 'busybox:mine'))).toBe(true);
    expect(matches([['image', 'sha256:1']], image('delete', 'sha256:1', 'sha256:1'))).toBe(true);
    expect(matches([['image', 'localhost:5000/app']], container('start', { image: 'localhost:5000/app:v1' }))).toBe(true);
    expect(matches([['image', 'busybox']], container('start', { image: 'busybox@sha256:abc' }))).toBe(true);
  });

  it('label=: key or key=value, all of them among the attributes', () => {
    expect(matches([['label', 'tier']], container('start'))).toBe(true);
    expect(matches([['label', 'tier=front']], container('start'))).toBe(true);
    expect(matches([['label', 'tier=back']], container('start'))).toBe(false);
    expect(matches([['label', 'tier=front'], ['label', 'zone']], container('start'))).toBe(false);
    expect(matches([['label', 'tier=front'], ['label', 'name=web']], container('start'))).toBe(true);
  });

  it('needs every key to match', () => {
    expect(matches([['container', 'web'], ['event', 'die']], container('die'))).toBe(true);
    expect(matches([['container', 'web'], ['event', 'die']], container('start'))).toBe(false);
  });
});
