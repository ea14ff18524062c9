import type { Logger } from '@ce/protocol';
import type { SupervisorApi } from '@ce/supervisor';
import type { ContainerRecord } from './record.js';

/** What pause, update, top and stats need of ced: the tasks, and a way to persist a record. */
export interface TaskContext {
  supervisor: SupervisorApi;
  save(record: ContainerRecord): Promise<void>;
  logger: Logger;
}
