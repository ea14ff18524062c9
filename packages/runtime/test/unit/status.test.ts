import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { parseSignal } from '../../src/runtime.js';
import { deriveStatus, parseProcStat, type ProcInfo, type StatusFacts } from '../../src/state/status.js';
import { checkId, StateStore } from '../../src/state/store.js';

function facts(procs: Record<number, ProcInfo>, fifos: string[] = []): StatusFacts {
  return { proc: (pid) => procs[pid], fifoExists: (id) => fifos.includes(id) };
}

describe('deriveStatus', () => {
  const live = { state: 'S', startTime: '1000' };

  it('is creating before the init pid is known', () => {
    expect(deriveStatus({ id: 'a', pid: 0 }, facts({}))).toBe('creating');
  });

  it('is created while the process lives and the exec fifo exists, running once it is gone', () => {
    expect(deriveStatus({ id: 'a', pid: 7, pidStartTime: '1000' }, facts({ 7: live }, ['a']))).toBe('created');
    expect(deriveStatus({ id: 'a', pid: 7, pidStartTime: '1000' }, facts({ 7: live }))).toBe('running');
  });

  it('is stopped when the process is gone, a zombie, or the pid was reused', () => {
    expect(deriveStatus({ id: 'a', pid: 7, pidStartTime: '1000' }, facts({}, ['a']))).toBe('stopped');
    expect(deriveStatus({ id: 'a', pid: 7, pidStartTime: '1000' }, facts({ 7: { state: 'Z', startTime: '1000' } }))).toBe('stopped');
    expect(deriveStatus({ id: 'a', pid: 7, pidStartTime: '1000' }, facts({ 7: { state: 'S', startTime: '2000' } }))).toBe('stopped');
  });
});

describe('parseProcStat', () => {
  it('reads state and start time past a command name with spaces and parentheses', () => {
    const fields = ['S', ...Array.from({ length: 18 }, (_, i) => String(i + 4)), '123456', '99'];
    expect(parseProcStat(`42 (we ird) (name)) ${fields.join(' ')}`)).toEqual({ state: 'S', startTime: '123456' });
    expect(parseProcStat('garbage')).toBeUndefined();
  });
});

describe('ids and the state store', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  it('accepts [\\w+.-] ids only', () => {
    for (const id of ['abc', 'a.b-c_d+e', 'X1']) expect(() => checkId(id)).not.toThrow();
    for (const id of ['', 'a/b', '..', 'a b', 'ä']) {
      expect(() => checkId(id)).toThrow(RuntimeError);
      try {
        checkId(id);
      } catch (err) {
        expect((err as RuntimeError).code).toBe('InvalidArgument');
      }
    }
  });

  it('reserves an id once, writes state atomically and reads NotFound for unknown ids', async () => {
    root = mkdtempSync(join(tmpdir(), 'ce-store-'));
    const store = new StateStore(join(root, 'state'));
    await store.reserve('c1');
    await expect(store.reserve('c1')).rejects.toMatchObject({ code: 'AlreadyExists' });
    await store.write({ ociVersion: '1.2.0', id: 'c1', pid: 5, bundle: '/b', annotations: {}, created: 'now' });
    expect(readdirSync(store.dir('c1'))).toEqual(['state.json']);
    expect((await store.read('c1')).pid).toBe(5);
    await expect(store.read('nope')).rejects.toMatchObject({ code: 'NotFound' });
    expect(await store.ids()).toEqual(['c1']);
    await store.remove('c1');
    expect(await store.ids()).toEqual([]);
  });
});

describe('parseSignal', () => {
  it('takes numbers and names with or without SIG', () => {
    expect(parseSignal(15)).toBe(15);
    expect(parseSignal('9')).toBe(9);
    expect(parseSignal('TERM')).toBe(15);
    expect(parseSignal('SIGKILL')).toBe(9);
    expect(parseSignal('hup')).toBe(1);
    expect(() => parseSignal('SIGNOPE')).toThrow('invalid signal "SIGNOPE"');
    expect(() => parseSignal(0)).toThrow(RuntimeError);
  });
});

describe('deriveStatus: paused', () => {
  const live = { state: 'S', startTime: '1000' };
  const facts = (frozen: boolean, fifo = false): StatusFacts => ({
    proc: (pid) => (pid === 7 ? live : undefined),
    fifoExists: () => fifo,
    frozen: (s) => frozen && s.cgroupsPath === '/ce/a',
  });

  it('is paused when the live process sits in a frozen cgroup, running otherwise', () => {
    const s = { id: 'a', pid: 7, pidStartTime: '1000', cgroupsPath: '/ce/a' };
    expect(deriveStatus(s, facts(true))).toBe('paused');
    expect(deriveStatus(s, facts(false))).toBe('running');
  });

  it('is never paused once stopped or while created', () => {
    expect(deriveStatus({ id: 'a', pid: 8, pidStartTime: '1000', cgroupsPath: '/ce/a' }, facts(true))).toBe('stopped');
    expect(deriveStatus({ id: 'a', pid: 7, pidStartTime: '1000', cgroupsPath: '/ce/a' }, facts(true, true))).toBe('created');
  });
});
