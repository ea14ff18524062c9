import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { CeError } from '@ce/protocol';
import type { SupervisorApi } from '@ce/supervisor';
import { ContainerService, type ContainerImages } from '../../src/containers/container-service.js';
import { ContainerStore } from '../../src/containers/container-store.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

const images: ContainerImages = {
  get: async () => ({ id: 'sha256:x', name: 'x', config: { config: { Cmd: ['nope'] } } }),
  prepareRootfs: async () => [],
  rootfsMounts: () => [],
  removeRootfs: async () => undefined,
  rootfsKeys: () => [],
  rootfsLabels: () => ({}),
};

/** The State.ExitCode ced records for a container whose task creation failed with `failure`. */
async function exitCodeAfter(failure: Error): Promise<{ exitCode: number; status: string; error: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ce-api-test-'));
  dirs.push(dir);
  const supervisor = { createTask: async () => Promise.reject(failure) } as unknown as SupervisorApi;
  const svc = new ContainerService(new ContainerStore(join(dir, 'containers')), images, supervisor, join(dir, 'tasks'), silent);
  const c = await svc.create({ name: 'cannot-run', config: { Image: 'x' }, hostConfig: {} });
  await expect(svc.start(c.Id)).rejects.toBe(failure);
  const { ExitCode, Status, Error } = svc.inspect(c.Id).State;
  return { exitCode: ExitCode, status: Status, error: Error };
}

it("records 127 or 126 from the failure's facts, as Docker's State.ExitCode, and 128 for anything else", async () => {
  const launch = (errno: string, message: string) => new CeError('FailedPrecondition', message, { op: 'exec', errno, path: 'nope' });
  expect(await exitCodeAfter(launch('ENOENT', 'exec: "nope": executable file not found in $PATH'))).toEqual({
    exitCode: 127,
    status: 'created',
    error: 'exec: "nope": executable file not found in $PATH',
  });
  expect((await exitCodeAfter(launch('EACCES', 'exec: "nope": permission denied'))).exitCode).toBe(126);
  expect((await exitCodeAfter(launch('ELOOP', 'exec: "nope": stat nope: too many levels of symbolic links'))).exitCode).toBe(128);
  // words alone decide nothing
  expect((await exitCodeAfter(new CeError('Internal', 'exec: "nope": executable file not found in $PATH'))).exitCode).toBe(128);
});
