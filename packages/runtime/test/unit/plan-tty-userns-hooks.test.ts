import { describe, expect, it } from 'vitest';
import { compileExecPlan, compilePlan, type CompileContext } from '../../src/plan/compile.js';
import { CLONE } from '../../src/plan/constants.js';
import { CONSOLE_SOCKET_FD, type PlanOp } from '../../src/plan/ops.js';
import { defaultSpec } from '../../src/spec/default-spec.js';
import type { Spec } from '../../src/spec/types.js';
import { idMapText } from '../../src/userns/id-maps.js';

const ctx: CompileContext = {
  bundle: '/b',
  rootfs: '/b/rootfs',
  execFifo: '/run/x/exec.fifo',
  hostPathKind: () => 'dir',
  hostPathExists: () => true,
};

function spec(mut: (s: Spec) => void): Spec {
  const s = defaultSpec();
  mut(s);
  return s;
}

const names = (plan: PlanOp[]) => plan.map((p) => p.op);
const at = (plan: PlanOp[], op: string) => plan.findIndex((p) => p.op === op);

describe('terminal in the plan', () => {
  it('opens the pty after the root change with the console size and the process uid', () => {
    const plan = compilePlan(
      spec((s) => {
        s.process!.terminal = true;
        s.process!.consoleSize = { height: 33, width: 101 };
        s.process!.user = { uid: 1000, gid: 1000 };
      }),
      ctx,
    );
    const i = at(plan, 'CONSOLE');
    expect(plan[i]!.args).toEqual([CONSOLE_SOCKET_FD, 33, 101, 1000]);
    expect(i).toBeGreaterThan(at(plan, 'PIVOT_ROOT'));
    expect(i).toBeLessThan(at(plan, 'SETUSER'));
  });

  it('has no console op without a terminal, and one in an exec with a terminal', () => {
    expect(names(compilePlan(defaultSpec(), ctx))).not.toContain('CONSOLE');
    const proc = { ...defaultSpec().process!, args: ['sh'], terminal: true };
    const plan = compileExecPlan(proc, 42, [{ type: 'mount' }]);
    expect(plan[at(plan, 'CONSOLE')]!.args).toEqual([CONSOLE_SOCKET_FD, 0, 0, 0]);
    expect(at(plan, 'CONSOLE')).toBe(at(plan, 'SYNC_WAIT') + 1);
  });
});

describe('user namespaces in the plan', () => {
  const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];

  it('unshares the user namespace first, waits for the maps, becomes root, then unshares the rest', () => {
    const plan = compilePlan(
      spec((s) => {
        s.linux!.namespaces!.push({ type: 'user' });
        s.linux!.uidMappings = maps;
        s.linux!.gidMappings = maps;
      }),
      ctx,
    );
    expect(plan.slice(0, 5)).toEqual([
      { op: 'EXEC_FIFO', args: ['/run/x/exec.fifo'] },
      { op: 'UNSHARE', args: [CLONE.NEWUSER] },
      { op: 'USERNS_SYNC', args: [] },
      { op: 'BECOME_ROOT', args: [] },
      { op: 'UNSHARE', args: [CLONE.NEWPID | CLONE.NEWIPC | CLONE.NEWUTS | CLONE.NEWNS | CLONE.NEWNET] },
    ]);
  });

  it('joins a user namespace by path before the others and needs no maps', () => {
    const plan = compilePlan(
      spec((s) => {
        s.linux!.namespaces = [{ type: 'mount' }, { type: 'network', path: '/run/netns/x' }, { type: 'user', path: '/proc/7/ns/user' }];
      }),
      ctx,
    );
    expect(plan.slice(1, 5)).toEqual([
      { op: 'SETNS', args: ['user', '/proc/7/ns/user'] },
      { op: 'SETNS', args: ['network', '/run/netns/x'] },
      { op: 'BECOME_ROOT', args: [] },
      { op: 'UNSHARE', args: [CLONE.NEWNS] },
    ]);
    expect(names(plan)).not.toContain('USERNS_SYNC');
  });

  it('becomes root after joining the user namespace of the container in an exec', () => {
    const plan = compileExecPlan({ ...defaultSpec().process!, args: ['id'] }, 9, [{ type: 'mount' }, { type: 'user' }]);
    expect(names(plan).slice(0, 4)).toEqual(['SETNS', 'SETNS', 'UNSHARE', 'BECOME_ROOT']);
    expect(plan[0]!.args).toEqual(['user', '/proc/9/ns/user']);
  });

  it('writes one "inside outside count" line per mapping', () => {
    expect(idMapText([...maps, { containerID: 65536, hostID: 1000, size: 1 }])).toBe('0 100000 65536\n65536 1000 1\n');
  });
});

describe('hooks in the plan', () => {
  it('syncs with the runtime and runs createContainer hooks before the root change; records startContainer hooks before ready', () => {
    const plan = compilePlan(
      spec((s) => {
        s.hooks = {
          createContainer: [{ path: '/h/cc', args: ['cc', '-x'], env: ['A=1', 'B=2'], timeout: 3 }],
          startContainer: [{ path: '/h/sc' }],
        };
      }),
      ctx,
    );
    const sync = at(plan, 'HOOKS_SYNC');
    const pivot = at(plan, 'PIVOT_ROOT');
    expect(sync).toBeGreaterThan(at(plan, 'MKNOD'));
    expect(plan.slice(sync + 1, pivot)).toEqual([
      { op: 'HOOK', args: ['createContainer', '/h/cc', 3, 2, 'cc', '-x', 'A=1', 'B=2'] },
      { op: 'MKDIR', args: ['/', 0o755] },
    ]);
    expect(plan.slice(-2)).toEqual([
      { op: 'HOOK', args: ['startContainer', '/h/sc', 0, 0] },
      { op: 'READY', args: [] },
    ]);
  });

  it('syncs for runtime-side prestart/createRuntime hooks only; no sync without any', () => {
    const withPrestart = compilePlan(spec((s) => (s.hooks = { createRuntime: [{ path: '/h/cr' }] })), ctx);
    expect(names(withPrestart)).toContain('HOOKS_SYNC');
    expect(names(withPrestart)).not.toContain('HOOK');
    const poststartOnly = compilePlan(spec((s) => (s.hooks = { poststart: [{ path: '/h/ps' }], poststop: [{ path: '/h/pst' }] })), ctx);
    expect(names(poststartOnly)).not.toContain('HOOKS_SYNC');
  });
});
