// Namespaces and owners: tasks that ced did not make — in another namespace
// (the CRI's k8s.io) or in ced's own by another owner (a library user) —
// survive a ced restart, while ced still cleans up what it owns.
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialUnix, unary } from '@ce/protocol';
import { CreateTaskRequest, type CreateTaskResponse, type StateResponse } from '@ce/protocol/gen/ce/shim/v1/shim';
import { SupervisorClient, type ListTasksResponse } from '@ce/protocol/gen/ce/supervisor/v1/supervisor';
import { defaultSpec } from '@ce/runtime/spec';
import { describe, expect, it } from 'vitest';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';

let daemon: TestDaemon;
const taskIds = [`k8s-${process.pid}`, `lib-${process.pid}`];
withBusyboxDaemon((d) => (daemon = d), taskIds);

const alive = (pid: number) => existsSync(`/proc/${pid}`);

/** A bundle running `sleep 600` from busybox-static, labelled as `owner`'s in `namespace`. */
function bundle(id: string, namespace: string, owner: string): string {
  const dir = join(daemon.dir, 'bundles', id);
  mkdirSync(join(dir, 'rootfs', 'bin'), { recursive: true });
  cpSync('/bin/busybox', join(dir, 'rootfs', 'bin', 'busybox'));
  const spec = defaultSpec();
  spec.process!.args = ['/bin/busybox', 'sleep', '600'];
  spec.process!.terminal = false;
  spec.root = { path: 'rootfs', readonly: true };
  spec.annotations = { 'org.ce.namespace': namespace, 'org.ce.owner': owner };
  spec.linux!.cgroupsPath = `/ce/${namespace}/${id}`;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
  return dir;
}

describe('namespaces and owners', () => {
  it("keeps another namespace's task and another owner's task across a ced restart, and lists tasks by namespace", async () => {
    let client = dialUnix(SupervisorClient, daemon.socket);
    const tasks = [
      { id: taskIds[0]!, namespace: 'k8s.io', owner: 'cri' },
      { id: taskIds[1]!, namespace: 'default', owner: 'my-tool' },
    ];
    const pids: number[] = [];
    try {
      for (const t of tasks) {
        const created = await unary<CreateTaskResponse>((cb) =>
          client.createTask(CreateTaskRequest.fromPartial({ id: t.id, bundle: bundle(t.id, t.namespace, t.owner), namespace: t.namespace, labels: { 'ce.owner': t.owner } }), cb),
        );
        await unary((cb) => client.startTask({ id: t.id }, cb));
        pids.push(created.pid);
      }
      await expect(unary((cb) => client.createTask(CreateTaskRequest.fromPartial({ id: 'bad-ns', bundle: daemon.dir, namespace: 'no/slash' }), cb))).rejects.toThrow(
        /namespace "no\/slash" is invalid/,
      );

      client.close();
      await daemon.kill9();
      await daemon.restart();
      client = dialUnix(SupervisorClient, daemon.socket);

      expect(daemon.stderr()).toMatch(/0 orphan tasks removed, 1 tasks of other owners left alone/);
      expect(pids.every(alive)).toBe(true);
      const list = async (namespace: string) =>
        (await unary<ListTasksResponse>((cb) => client.listTasks({ namespace }, cb))).tasks.map((s: StateResponse) => [s.id, s.namespace, s.labels['ce.owner']]);
      expect(await list('k8s.io')).toEqual([[tasks[0]!.id, 'k8s.io', 'cri']]);
      expect(await list('default')).toEqual([[tasks[1]!.id, 'default', 'my-tool']]);
    } finally {
      for (const t of tasks) {
        await unary((cb) => client.killTask({ id: t.id, signal: 9, all: true }, cb)).catch(() => undefined);
        await unary((cb) => client.waitTask({ id: t.id }, cb)).catch(() => undefined);
        await unary((cb) => client.deleteTask({ id: t.id }, cb)).catch(() => undefined);
      }
      client.close();
    }
    expect(pids.some(alive)).toBe(false);
  });
});
