import { describe, expect, it } from 'vitest';
import { StateResponse } from '@ce/protocol/gen/ce/shim/v1/shim';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { checkNamespace, namespaceTaskRows } from '../../src/namespace-tasks.js';

const task = (id: string, status: TaskStatus, over: Partial<StateResponse> = {}) =>
  StateResponse.fromPartial({ id, status, pid: status === TaskStatus.TASK_STATUS_RUNNING ? 4242 : 0, namespace: 'k8s.io', labels: { 'ce.owner': 'ce-cri' }, ...over });

describe('ce --namespace NS ps', () => {
  const tasks = [
    task('f'.repeat(64), TaskStatus.TASK_STATUS_STOPPED, { exitStatus: 137 }),
    task('a'.repeat(64), TaskStatus.TASK_STATUS_RUNNING),
    task('b'.repeat(64), TaskStatus.TASK_STATUS_PAUSED, { labels: {} }),
    task('a'.repeat(64), TaskStatus.TASK_STATUS_RUNNING, { execId: 'e1', pid: 99 }),
  ];

  it("lists the namespace's running and paused tasks (not execs), ids cut to 12, with owner, pid and status", () => {
    expect(namespaceTaskRows(tasks, { trunc: true })).toEqual([
      'CONTAINER ID   OWNER    PID    STATUS',
      'aaaaaaaaaaaa   ce-cri   4242   running',
      'bbbbbbbbbbbb                   paused',
    ]);
  });

  it('with -a the stopped ones too, with their exit status; -q and --no-trunc as docker ps has them', () => {
    expect(namespaceTaskRows(tasks, { all: true, trunc: true }).at(-1)).toBe('ffffffffffff   ce-cri          stopped (137)');
    expect(namespaceTaskRows(tasks, { all: true, quiet: true, trunc: false })).toEqual(['a'.repeat(64), 'b'.repeat(64), 'f'.repeat(64)]);
    expect(namespaceTaskRows([], { trunc: true })).toEqual(['CONTAINER ID   OWNER   PID   STATUS']);
  });

  it("refuses a namespace name containerd's rule refuses, naming it", () => {
    expect(checkNamespace('k8s.io')).toBe('k8s.io');
    expect(() => checkNamespace('no/slash')).toThrow('namespace "no/slash" is invalid');
  });
});
