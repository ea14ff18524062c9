import { describe, expect, it } from 'vitest';
import { StartPipeline, type StartContext, type StartStep } from '../../src/containers/start-pipeline.js';
import { testRecord } from '../support/record.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function recorder() {
  const log: string[] = [];
  const step = (name: string, o: { failSetup?: boolean; failTeardown?: boolean } = {}): StartStep => ({
    name,
    setup: async () => {
      log.push(`setup ${name}`);
      if (o.failSetup) throw new Error(`${name} failed`);
    },
    teardown: async () => {
      log.push(`teardown ${name}`);
      if (o.failTeardown) throw new Error(`${name} teardown failed`);
    },
  });
  return { log, step };
}

const ctx = (): StartContext => ({ record: testRecord(), bundle: '/nowhere', specOpts: [] });

describe('the start pipeline', () => {
  it('places steps first, last, before and after others, and refuses duplicates and unknown anchors', () => {
    const { step } = recorder();
    const p = new StartPipeline(silent).register(step('rootfs')).register(step('task'));
    p.register(step('network'), { before: 'task' }).register(step('volumes'), { after: 'rootfs' }).register(step('lock'), 'first');
    expect(p.names()).toEqual(['lock', 'rootfs', 'volumes', 'network', 'task']);
    expect(() => p.register(step('task'))).toThrow('a start step named task is registered already');
    expect(() => p.register(step('x'), { after: 'nope' })).toThrow('no start step named nope to place x next to');
  });

  it('sets up in order and tears down in reverse', async () => {
    const { log, step } = recorder();
    const p = new StartPipeline(silent).register(step('a')).register(step('b')).register(step('c'));
    await p.setup(ctx());
    await p.teardown(testRecord(), 'stopped');
    expect(log).toEqual(['setup a', 'setup b', 'setup c', 'teardown c', 'teardown b', 'teardown a']);
  });

  it('rolls back a failed setup: the failed step and those before it, in reverse; later steps never run', async () => {
    const { log, step } = recorder();
    const p = new StartPipeline(silent).register(step('a')).register(step('b', { failSetup: true })).register(step('c'));
    await expect(p.setup(ctx())).rejects.toThrow('b failed');
    expect(log).toEqual(['setup a', 'setup b', 'teardown b', 'teardown a']);
  });

  it('runs every teardown even when one fails, then reports the first failure', async () => {
    const { log, step } = recorder();
    const errors: string[] = [];
    const logger = { ...silent, error: (o: { step: string }) => errors.push(o.step) };
    const p = new StartPipeline(logger).register(step('a', { failTeardown: true })).register(step('b', { failTeardown: true })).register(step('c'));
    await expect(p.teardown(testRecord(), 'stopped')).rejects.toThrow('b teardown failed');
    expect(log).toEqual(['teardown c', 'teardown b', 'teardown a']);
    expect(errors).toEqual(['b', 'a']);
  });

  it('keeps the error of the failed setup when its rollback fails too', async () => {
    const { step } = recorder();
    const p = new StartPipeline(silent).register(step('a', { failTeardown: true })).register(step('b', { failSetup: true }));
    await expect(p.setup(ctx())).rejects.toThrow('b failed');
  });
});

describe("ced's start through the pipeline", () => {
  it('leaves nothing when a registered step fails: no task, no bundle, the container still created with the error', async () => {
    const { mkdtempSync, existsSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { ContainerService } = await import('../../src/containers/container-service.js');
    const { ContainerStore } = await import('../../src/containers/container-store.js');
    const dir = mkdtempSync(join(tmpdir(), 'ce-api-test-'));
    try {
      const calls: string[] = [];
      const supervisor = {
        createTask: async () => (calls.push('create'), { pid: 7 }),
        startTask: async () => (calls.push('start'), { pid: 7 }),
        killTask: async () => void calls.push('kill'),
        waitTask: async () => (calls.push('wait'), { exitStatus: 137, exitedAt: new Date() }),
        deleteTask: async () => (calls.push('delete'), { pid: 7, exitStatus: 137, exitedAt: new Date() }),
      };
      const images = {
        get: async () => ({ id: 'sha256:x', name: 'x', config: { config: { Cmd: ['true'] } } }),
        prepareRootfs: async () => [],
        rootfsMounts: () => [],
        removeRootfs: async () => undefined,
        rootfsKeys: () => [],
    rootfsLabels: () => ({}),
      };
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const svc = new ContainerService(new ContainerStore(join(dir, 'containers')), images, supervisor as any, join(dir, 'tasks'), silent);
      const undone: string[] = [];
      let networkFails = true;
      const network = async () => {
        if (networkFails) throw new Error('no address left');
      };
      svc.pipeline.register({ name: 'network', setup: network, teardown: async () => void undone.push('network') }, { before: 'spec' });
      const c = await svc.create({ name: 'web', config: { Image: 'x' }, hostConfig: {} });
      await expect(svc.start('web')).rejects.toThrow('no address left');
      expect(calls).toEqual([]);
      expect(undone).toEqual(['network']);
      expect(existsSync(join(dir, 'tasks', c.Id))).toBe(false);
      expect(svc.inspect('web').State).toMatchObject({ Status: 'created', Error: 'no address left' });

      // A step after the task fails: the task is killed and deleted, the steps before undone in reverse.
      networkFails = false;
      undone.length = 0;
      svc.pipeline.register({ name: 'late', setup: async () => { throw new Error('late failure'); }, teardown: async () => void undone.push('late') });
      expect(svc.pipeline.names()).toEqual(['bundle', 'network', 'spec', 'task', 'late']);
      await expect(svc.start('web')).rejects.toThrow('late failure');
      expect(calls).toEqual(['create', 'kill', 'wait', 'delete']);
      expect(undone).toEqual(['late', 'network']);
      expect(existsSync(join(dir, 'tasks', c.Id))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
