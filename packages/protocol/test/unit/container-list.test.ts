import { describe, expect, it } from 'vitest';
import { dockerCommand, humanDuration, parsePsFilters, PsFilterError, selectContainers, statusText, validatePsFilters } from '../../src/container-list/index.js';

describe('container-list', () => {
  const now = Date.parse('2026-01-01T01:00:00Z');
  const at = (s: string) => new Date(`2026-01-01T${s}Z`);

  it('words a state as Docker\'s State.String()', () => {
    expect(statusText({ status: 'running', exitCode: 0, startedAt: at('00:59:57'), health: '' }, now)).toBe('Up 3 seconds');
    expect(statusText({ status: 'running', exitCode: 0, startedAt: at('00:00:00'), health: 'healthy' }, now)).toBe('Up About an hour (healthy)');
    expect(statusText({ status: 'running', exitCode: 0, startedAt: at('00:59:00'), health: 'starting' }, now)).toBe('Up About a minute (health: starting)');
    expect(statusText({ status: 'paused', exitCode: 0, startedAt: at('00:59:59'), health: '' }, now)).toBe('Up 1 second (Paused)');
    expect(statusText({ status: 'exited', exitCode: 137, startedAt: at('00:00:00'), finishedAt: at('00:58:00'), health: '' }, now)).toBe('Exited (137) 2 minutes ago');
    expect(statusText({ status: 'restarting', exitCode: 1, finishedAt: at('00:59:59.5'), health: '' }, now)).toBe('Restarting (1) Less than a second ago');
    expect(statusText({ status: 'created', exitCode: 0, health: '' }, now)).toBe('Created');
    expect(statusText({ status: 'removing', exitCode: 0, health: '' }, now)).toBe('Removal In Progress');
    expect(statusText({ status: 'dead', exitCode: 0, health: '' }, now)).toBe('Dead');
  });

  it('writes the Command as the daemon\'s list does', () => {
    expect(dockerCommand(['sleep'])).toBe('sleep');
    expect(dockerCommand(['sh', '-c', 'sleep 1'])).toBe("sh -c 'sleep 1'");
    expect(dockerCommand([])).toBe('');
  });

  it('counts durations as Docker\'s units.HumanDuration', () => {
    expect(humanDuration(47 * 3600 * 1000)).toBe('47 hours');
    expect(humanDuration(3 * 7 * 24 * 3600 * 1000)).toBe('3 weeks');
  });

  it('filters by ps\'s keys and refuses the others in Docker\'s words', () => {
    const list = [
      { id: 'aaa', name: 'web', image: 'docker.io/library/busybox', imageId: 'sha256:b1', labels: { app: 'web' }, createdAt: at('00:00:01'), state: { status: 'running', running: true, exitCode: 0, health: '' } },
      { id: 'bbb', name: 'db', image: 'busybox:latest', imageId: 'sha256:b1', labels: {}, createdAt: at('00:00:02'), state: { status: 'exited', running: false, exitCode: 3, startedAt: at('00:00:03'), health: '' } },
    ];
    const names = (filters: string[], last = -1) => selectContainers(list, parsePsFilters(filters), last).map((c) => c.name);
    expect(names(['ancestor=busybox'])).toEqual(['web', 'db']);
    expect(names(['label=app=web'])).toEqual(['web']);
    expect(names(['exited=3'])).toEqual(['db']);
    expect(names(['name=^/d', 'status=running'])).toEqual([]);
    expect(names([], 1)).toEqual(['db']);
    expect(() => validatePsFilters(parsePsFilters(['bogus=1']))).toThrow(new PsFilterError("Invalid filter 'bogus'"));
    expect(() => validatePsFilters(parsePsFilters(['since=x']))).toThrow("the ps filter 'since' is not supported by ce yet");
  });
});
