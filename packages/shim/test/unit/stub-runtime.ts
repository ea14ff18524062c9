import type { RuntimeLike } from '../../src/task.js';

/** A RuntimeLike whose calls do nothing, with the test's own `create` (and any call it overrides). */
export function stubRuntime(create: RuntimeLike['create'], overrides: Partial<RuntimeLike> = {}): RuntimeLike {
  return {
    create,
    async exec() {
      throw new Error('no exec in this test');
    },
    async start() {},
    async kill() {},
    async delete() {},
    async pause() {},
    async resume() {},
    async update() {},
    async stats() {
      throw new Error('no stats in this test');
    },
    async ps() {
      return [];
    },
    async oomKills() {
      return 0;
    },
    ...overrides,
  };
}
