// Root-only: the six OCI hook kinds — state on stdin, namespaces, order, failures and timeouts.
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Runtime, type Logger } from '../../src/runtime.js';
import type { Hook, Hooks, Spec } from '../../src/spec/types.js';
import { Fixture, isRoot, stateDirExists } from './helpers.js';

// Records its kind (argv[1]) in $LOG/order, its stdin in $LOG/<kind>.state and its mount and pid namespaces.
const RECORDER = `#!/bin/sh
kind=$1
cat > "$LOG/$kind.state"
readlink /proc/self/ns/mnt > "$LOG/$kind.mnt"
echo "$kind" >> "$LOG/order"
`;

const KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;

describe.skipIf(!isRoot)('hooks (root)', () => {
  let f: Fixture;
  let log: string;
  let recorder: string;
  let warnings: string[];
  let rt: Runtime;
  beforeEach(() => {
    f = new Fixture();
    log = join(f.dir, 'log');
    mkdirSync(log);
    recorder = join(f.dir, 'record.sh');
    writeFileSync(recorder, RECORDER, { mode: 0o755 });
    // startContainer hooks run after the root change: the recorder and the log inside the container
    writeFileSync(join(f.rootfs, 'record.sh'), RECORDER, { mode: 0o755 });
    warnings = [];
    const logger: Logger = { debug() {}, info() {}, warn: (_o, msg) => warnings.push(msg ?? ''), error() {} };
    rt = new Runtime({ root: f.stateRoot, logger });
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
  });

  const hostHook = (kind: string, extra: Partial<Hook> = {}): Hook => ({
    path: recorder,
    args: ['record.sh', kind],
    env: [`LOG=${log}`, 'PATH=/usr/bin:/bin'],
    ...extra,
  });

  function writeSpec(args: string[], hooks: Hooks, mut?: (s: Spec) => void): Spec {
    return f.writeSpec(args, (s) => {
      s.hooks = hooks;
      s.annotations = { 'org.example/who': 'hooks-test' };
      s.linux!.cgroupsPath = f.cgroupName;
      s.mounts!.push({ destination: '/log', type: 'bind', source: log, options: ['rbind', 'rw'] });
      mut?.(s);
    });
  }

  it('runs all six kinds in order, each with the OCI state on stdin, in the runtime\'s or the container\'s namespaces', async () => {
    const spec = writeSpec(['sleep', '30'], {
      prestart: [hostHook('prestart')],
      createRuntime: [hostHook('createRuntime')],
      createContainer: [hostHook('createContainer')],
      startContainer: [{ path: '/record.sh', args: ['record.sh', 'startContainer'], env: ['LOG=/log', 'PATH=/bin'] }],
      poststart: [hostHook('poststart')],
      poststop: [hostHook('poststop')],
    });
    const c = await rt.create('h1', f.bundle);
    const containerMnt = readlinkSync(`/proc/${c.pid}/ns/mnt`);
    const hostMnt = readlinkSync('/proc/self/ns/mnt');
    expect(containerMnt).not.toBe(hostMnt);
    expect(readFileSync(join(log, 'order'), 'utf8').split('\n').filter(Boolean)).toEqual(['prestart', 'createRuntime', 'createContainer']);
    await rt.start('h1');
    await rt.kill('h1', 'KILL');
    await c.exited;
    await rt.delete('h1');
    expect(warnings).toEqual([]);

    expect(readFileSync(join(log, 'order'), 'utf8').split('\n').filter(Boolean)).toEqual([...KINDS]);
    const expectedStatus = { prestart: 'creating', createRuntime: 'creating', createContainer: 'creating', startContainer: 'created', poststart: 'running', poststop: 'stopped' };
    for (const kind of KINDS) {
      const state = JSON.parse(readFileSync(join(log, `${kind}.state`), 'utf8'));
      expect(state, kind).toEqual({
        ociVersion: spec.ociVersion,
        id: 'h1',
        status: expectedStatus[kind],
        pid: kind === 'poststop' ? 0 : c.pid,
        bundle: f.bundle,
        annotations: { 'org.example/who': 'hooks-test' },
      });
      const inContainer = kind === 'createContainer' || kind === 'startContainer';
      expect(readFileSync(join(log, `${kind}.mnt`), 'utf8').trim(), kind).toBe(inContainer ? containerMnt : hostMnt);
    }
  });

  it('fails create naming a failing createRuntime hook, runs no later hook and leaves nothing behind', async () => {
    const fail = join(f.dir, 'fail.sh');
    writeFileSync(fail, '#!/bin/sh\necho "no network for you" >&2\nexit 3\n', { mode: 0o755 });
    writeSpec(['true'], { createRuntime: [{ path: fail }], createContainer: [hostHook('createContainer')] });
    await expect(rt.create('h2', f.bundle)).rejects.toMatchObject({
      message: `createRuntime hook ${fail} failed: exit status 3: no network for you`,
    });
    expect(existsSync(join(log, 'order'))).toBe(false);
    expect(stateDirExists(f, 'h2')).toBe(false);
  });

  it('fails create naming a failing createContainer hook (run by ce-init) and what it said', async () => {
    const fail = join(f.dir, 'fail-cc.sh');
    writeFileSync(fail, '#!/bin/sh\necho "checking"\necho "no disk for you" >&2\nexit 2\n', { mode: 0o755 });
    writeSpec(['true'], { createContainer: [{ path: fail }] });
    await expect(rt.create('h7', f.bundle)).rejects.toThrow(`createContainer hook ${fail} failed: exit status 2: checking\nno disk for you`);
    expect(stateDirExists(f, 'h7')).toBe(false);
  });

  it('kills a createContainer hook at its timeout (run by ce-init) and fails create, leaving nothing behind', async () => {
    writeSpec(['true'], { createContainer: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] });
    await expect(rt.create('h3', f.bundle)).rejects.toThrow('createContainer hook /bin/sleep timed out after 1 s');
    expect(stateDirExists(f, 'h3')).toBe(false);
  });

  it('does not count the runtime\'s own hooks against createTimeoutMs', async () => {
    const quick = new Runtime({ root: f.stateRoot, createTimeoutMs: 400 });
    writeSpec(['true'], { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '1'], timeout: 5 }] });
    const c = await quick.create('h8', f.bundle);
    await quick.start('h8');
    expect((await c.exited).exitStatus).toBe(0);
    await quick.delete('h8');
  });

  it('gives ce-init\'s createContainer hooks their own timeouts on top of createTimeoutMs', async () => {
    const quick = new Runtime({ root: f.stateRoot, createTimeoutMs: 400 });
    writeSpec(['true'], { createContainer: [{ path: '/bin/sleep', args: ['sleep', '1'], timeout: 5 }] });
    const c = await quick.create('h9', f.bundle);
    await quick.start('h9');
    expect((await c.exited).exitStatus).toBe(0);
    await quick.delete('h9');
  });

  it('stops a runtime-side hook still running when the container init dies meanwhile, leaving nothing behind', async () => {
    // the createRuntime hook kills the container init (state.pid) and then hangs
    const killer = join(f.dir, 'kill-init.sh');
    writeFileSync(killer, '#!/bin/sh\npid=$(sed \'s/.*"pid":\\([0-9]*\\).*/\\1/\')\nkill -9 "$pid"\nexec sleep 30\n', { mode: 0o755 });
    writeSpec(['true'], { createRuntime: [{ path: killer, env: ['PATH=/usr/bin:/bin'] }] });
    await expect(rt.create('h9', f.bundle)).rejects.toThrow(/^container init exited before it was ready/);
    expect(stateDirExists(f, 'h9')).toBe(false);
  });

  it('kills a prestart hook at its timeout (run by the runtime)', async () => {
    writeSpec(['true'], { prestart: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] });
    await expect(rt.create('h4', f.bundle)).rejects.toThrow('prestart hook /bin/sleep timed out after 1 s');
    expect(stateDirExists(f, 'h4')).toBe(false);
  });

  it('fails start naming a failing startContainer hook; the process never runs', async () => {
    writeSpec(['sh', '-c', 'touch /log/ran'], { startContainer: [{ path: '/bin/false' }] });
    const c = await rt.create('h5', f.bundle);
    await expect(rt.start('h5')).rejects.toThrow('cannot start container h5: startContainer hook /bin/false failed: exit status 1');
    expect((await c.exited).exitStatus).toBe(1);
    expect(existsSync(join(log, 'ran'))).toBe(false);
    expect((await rt.state('h5')).status).toBe('stopped');
  });

  it('only warns about failing poststart and poststop hooks: start and delete go on, later hooks still run', async () => {
    writeSpec(['sleep', '30'], {
      poststart: [{ path: '/bin/false' }, hostHook('poststart')],
      poststop: [{ path: join(f.dir, 'missing-hook') }, hostHook('poststop')],
    });
    const c = await rt.create('h6', f.bundle);
    await rt.start('h6');
    expect((await rt.state('h6')).status).toBe('running');
    await rt.delete('h6', { force: true });
    await c.exited;
    expect(stateDirExists(f, 'h6')).toBe(false);
    expect(readFileSync(join(log, 'order'), 'utf8').split('\n').filter(Boolean)).toEqual(['poststart', 'poststop']);
    expect(warnings).toEqual(['poststart hook /bin/false failed: exit status 1', expect.stringMatching(/^poststop hook .*missing-hook: spawn .*ENOENT/)]);
  });
});
