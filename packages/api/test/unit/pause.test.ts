import { expect, it } from 'vitest';
import type { SupervisorApi } from '@ce/supervisor';
import { pauseContainer, thawAfterSignal, unpauseContainer } from '../../src/containers/pause.js';
import type { ContainerRecord } from '../../src/containers/record.js';
import type { TaskContext } from '../../src/containers/task-context.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function context() {
  const calls: string[] = [];
  const saved: string[] = [];
  const supervisor = {
    pauseTask: async ({ id }: { id: string }) => void calls.push(`pause ${id}`),
    resumeTask: async ({ id }: { id: string }) => void calls.push(`resume ${id}`),
  } as unknown as SupervisorApi;
  const ctx: TaskContext = { supervisor, save: async (r) => void saved.push(r.state.status), logger: silent };
  return { ctx, calls, saved };
}

function record(status: ContainerRecord['state']['status']): ContainerRecord {
  return {
    id: 'c'.repeat(64),
    name: 'web',
    image: 'busybox',
    imageId: 'sha256:x',
    createdAt: new Date(0).toISOString(),
    config: { env: [], workingDir: '', user: '', hostname: 'h', autoRemove: false, tty: false, openStdin: false, labels: {} },
    pathAndArgs: ['sleep', '1000'],
    state: { status, pid: 42, exitCode: 0 },
  };
}

it('pauses a running container and records it; unpause undoes it', async () => {
  const { ctx, calls, saved } = context();
  const r = record('running');
  await pauseContainer(r, ctx);
  expect(r.state.status).toBe('paused');
  await unpauseContainer(r, ctx);
  expect(r.state.status).toBe('running');
  expect(calls).toEqual([`pause ${r.id}`, `resume ${r.id}`]);
  expect(saved).toEqual(['paused', 'running']);
});

it("refuses with Docker's words, without calling the task", async () => {
  const { ctx, calls } = context();
  const exited = record('exited');
  await expect(pauseContainer(exited, ctx)).rejects.toThrow(`Container ${exited.id} is not running`);
  await expect(pauseContainer(record('paused'), ctx)).rejects.toThrow(`Container ${exited.id} is already paused`);
  await expect(unpauseContainer(record('running'), ctx)).rejects.toThrow(`Container ${exited.id} is not paused`);
  expect(calls).toEqual([]);
});

it('thaws a paused container after SIGKILL or its stop signal only, as Docker kill does', async () => {
  const { ctx, calls } = context();
  const paused = record('paused');
  await thawAfterSignal(paused, 10, 15, ctx); // SIGUSR1 stays pending in the frozen container
  expect(calls).toEqual([]);
  await thawAfterSignal(paused, 15, 15, ctx);
  expect(paused.state.status).toBe('running');
  const killed = record('paused');
  await thawAfterSignal(killed, 9, 15, ctx);
  expect(calls).toEqual([`resume ${paused.id}`, `resume ${killed.id}`]);
  await thawAfterSignal(record('running'), 9, 15, ctx);
  expect(calls.length).toBe(2);
});
