import { expect, it } from 'vitest';
import type { SupervisorApi } from '@ce/supervisor';
import { pauseContainer, thawAfterSignal, unpauseContainer } from '../../src/containers/pause.js';
import { withStatus } from '../../src/containers/model/index.js';
import type { ContainerRecord, ContainerStatus } from '../../src/containers/record.js';
import { testRecord } from '../support/record.js';
import type { TaskContext } from '../../src/containers/task-context.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function context() {
  const calls: string[] = [];
  const saved: string[] = [];
  const supervisor = {
    pauseTask: async ({ id }: { id: string }) => void calls.push(`pause ${id}`),
    resumeTask: async ({ id }: { id: string }) => void calls.push(`resume ${id}`),
  } as unknown as SupervisorApi;
  const ctx: TaskContext = { supervisor, save: async (r) => void saved.push(r.State.Status), logger: silent };
  return { ctx, calls, saved };
}

function record(status: ContainerStatus): ContainerRecord {
  const r = testRecord({ id: 'c'.repeat(64), name: 'web' });
  r.State = withStatus(r.State, status);
  return r;
}

it('pauses a running container and records it; unpause undoes it', async () => {
  const { ctx, calls, saved } = context();
  const r = record('running');
  await pauseContainer(r, ctx);
  expect(r.State).toMatchObject({ Status: 'paused', Paused: true, Running: true });
  await unpauseContainer(r, ctx);
  expect(r.State).toMatchObject({ Status: 'running', Paused: false, Running: true });
  expect(calls).toEqual([`pause ${r.Id}`, `resume ${r.Id}`]);
  expect(saved).toEqual(['paused', 'running']);
});

it("refuses with Docker's words, without calling the task", async () => {
  const { ctx, calls } = context();
  const exited = record('exited');
  await expect(pauseContainer(exited, ctx)).rejects.toThrow(`Container ${exited.Id} is not running`);
  await expect(pauseContainer(record('paused'), ctx)).rejects.toThrow(`Container ${exited.Id} is already paused`);
  await expect(unpauseContainer(record('running'), ctx)).rejects.toThrow(`Container ${exited.Id} is not paused`);
  expect(calls).toEqual([]);
});

it('thaws a paused container after SIGKILL or its stop signal only, as Docker kill does', async () => {
  const { ctx, calls } = context();
  const paused = record('paused');
  await thawAfterSignal(paused, 10, 15, ctx); // SIGUSR1 stays pending in the frozen container
  expect(calls).toEqual([]);
  await thawAfterSignal(paused, 15, 15, ctx);
  expect(paused.State.Status).toBe('running');
  const killed = record('paused');
  await thawAfterSignal(killed, 9, 15, ctx);
  expect(calls).toEqual([`resume ${paused.Id}`, `resume ${killed.Id}`]);
  await thawAfterSignal(record('running'), 9, 15, ctx);
  expect(calls.length).toBe(2);
});
