// The CRI containers exec, attach and ExecSync act on: a CRI container id is
// the id of a supervisor task in the k8s.io namespace owned by ce-cri (the
// contract with the container RPCs), and not a pod's pause.
import { CeError, isCeError, OWNER_LABEL } from '@ce/protocol';
import type { StateResponse } from '@ce/protocol/gen/ce/shim/v1/shim';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { ContainerState } from '../gen/runtime/v1/api.js';

/** containerd's words for a container's state (criContainerStateToString). */
export type CriContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface CriContainer {
  id: string;
  /** The task's bundle: its config.json holds the process every exec starts from. */
  bundle: string;
  state: CriContainerState;
  /** The main process has a terminal / keeps stdin open (attach). */
  terminal: boolean;
  stdin: boolean;
  /** The container's stdin closes when the first attached client's stdin ends (ContainerConfig.stdin_once). */
  stdinOnce: boolean;
}

/** What the container RPCs know of a container: its full id (from an id or prefix), CRI state, and stdin_once. */
export type ContainerRecords = (id: string) => Promise<{ id: string; state: CriContainerState; stdinOnce: boolean }>;

/** The container of an id; NotFound ("not found", containerd's store words) when there is none. */
export type ContainerLookup = (id: string) => Promise<CriContainer>;

export interface TaskContainersOptions {
  state(id: string): Promise<StateResponse>;
  namespace: string;
  owner: string;
  /** Pod sandboxes are tasks of the same owner, but not containers. */
  isSandbox(id: string): boolean;
  /**
   * The container RPCs' records, when there are: they know containers that
   * have no task (created, or exited and reaped); NotFound for none.
   */
  records?: ContainerRecords;
}

const STATES: Record<TaskStatus, CriContainerState> = {
  [TaskStatus.TASK_STATUS_UNSPECIFIED]: 'CONTAINER_UNKNOWN',
  [TaskStatus.TASK_STATUS_CREATED]: 'CONTAINER_CREATED',
  [TaskStatus.TASK_STATUS_RUNNING]: 'CONTAINER_RUNNING',
  // containerd's CRI shows a paused task as running; an exec in it fails in the runtime.
  [TaskStatus.TASK_STATUS_PAUSED]: 'CONTAINER_RUNNING',
  [TaskStatus.TASK_STATUS_STOPPED]: 'CONTAINER_EXITED',
  [TaskStatus.UNRECOGNIZED]: 'CONTAINER_UNKNOWN',
};

export function taskContainers(options: TaskContainersOptions): ContainerLookup {
  const notFound = () => new CeError('NotFound', 'not found');
  const fromTask = async (id: string): Promise<CriContainer> => {
    if (!id || options.isSandbox(id)) throw notFound();
    let task: StateResponse;
    try {
      task = await options.state(id);
    } catch (err) {
      if (isCeError(err, 'NotFound')) throw notFound();
      throw err;
    }
    if (task.namespace !== options.namespace || task.labels[OWNER_LABEL] !== options.owner) throw notFound();
    return { id: task.id, bundle: task.bundle, state: STATES[task.status] ?? 'CONTAINER_UNKNOWN', terminal: task.terminal, stdin: task.stdin, stdinOnce: false };
  };
  const { records } = options;
  if (!records) return fromTask;
  return async (id) => {
    let record: Awaited<ReturnType<ContainerRecords>>;
    try {
      record = await records(id);
    } catch (err) {
      if (isCeError(err, 'NotFound')) throw notFound();
      throw err;
    }
    if (record.state !== 'CONTAINER_RUNNING') return { id: record.id, bundle: '', state: record.state, terminal: false, stdin: false, stdinOnce: record.stdinOnce };
    return { ...(await fromTask(record.id)), stdinOnce: record.stdinOnce };
  };
}

/** The name of a CRI ContainerState, as containerd's criContainerStateToString words it. */
export function criStateName(state: ContainerState): CriContainerState {
  const name = ContainerState[state];
  return name === 'CONTAINER_CREATED' || name === 'CONTAINER_RUNNING' || name === 'CONTAINER_EXITED' ? name : 'CONTAINER_UNKNOWN';
}

/** containerd's refusal of a container that is not running. */
export function requireRunning(container: CriContainer): void {
  if (container.state !== 'CONTAINER_RUNNING') throw new CeError('Unknown', `container is in ${container.state} state`);
}
