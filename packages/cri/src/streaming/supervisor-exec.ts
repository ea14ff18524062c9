// ExecTasks over ced's supervisor (ce.supervisor.v1), as ced's own exec uses it.
import { clientAttach, unary } from '@ce/protocol';
import type { ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';
import type { CeServices } from '../ce-services.js';
import type { ExecTasks } from './container-exec.js';

const SUPERVISOR = 'ced\'s supervisor';

export function supervisorExec(services: Pick<CeServices, 'supervisor'>): ExecTasks {
  const { supervisor } = services;
  return {
    exec: async (request) => void (await unary((cb) => supervisor.execTask(request, cb), SUPERVISOR)),
    attach: (options) => clientAttach(supervisor.attachTask(), options, SUPERVISOR),
    start: async (id, execId) => void (await unary((cb) => supervisor.startTask({ id, execId }, cb), SUPERVISOR)),
    wait: async (id, execId) => (await unary<ExitStatus>((cb) => supervisor.waitTask({ id, execId }, cb), SUPERVISOR)).exitStatus,
    kill: async (id, execId, signal) => void (await unary((cb) => supervisor.killTask({ id, execId, signal, all: false }, cb), SUPERVISOR)),
    delete: async (id, execId) => void (await unary((cb) => supervisor.deleteTask({ id, execId }, cb), SUPERVISOR)),
  };
}
