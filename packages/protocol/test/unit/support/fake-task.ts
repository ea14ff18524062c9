// A Task service for the gRPC round-trip tests: the attach is the test's, the
// other calls answer fixed records (events: a start, then an exit with status 3).
import type { serveAttach } from '../../../src/index.js';
import type { TaskEvent } from '../../../src/gen/ce/events/v1/task.js';

/** `overrides` replace some calls (the state call, say). */
export function taskImpl(attach: (call: Parameters<typeof serveAttach>[0]) => Promise<void>, overrides: Record<string, unknown> = {}) {
  return {
    create: async () => ({ pid: 1 }),
    start: async () => ({ pid: 1 }),
    kill: async () => ({}),
    wait: async () => ({ exitStatus: 0, exitedAt: undefined, reason: '', oomKilled: false }),
    delete: async () => ({ pid: 1, exitStatus: 0, exitedAt: undefined }),
    state: async () => {
      throw new Error('unused');
    },
    events: async function* () {
      yield { id: 'a', timestamp: new Date(0), start: { pid: 42 } } as TaskEvent;
      yield { id: 'a', timestamp: new Date(1000), exit: { pid: 42, exitStatus: 3, exitedAt: new Date(1000) } } as TaskEvent;
    },
    attach,
    shutdown: async () => ({}),
    exec: async () => ({}),
    resizePty: async () => ({}),
    closeIo: async () => ({}),
    pause: async () => ({}),
    resume: async () => ({}),
    update: async () => ({}),
    stats: async () => {
      throw new Error('unused');
    },
    pids: async () => ({ pids: [] }),
    reopenLog: async () => ({}),
    ...overrides,
  };
}
