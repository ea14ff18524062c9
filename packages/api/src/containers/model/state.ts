import type { ContainerState, ContainerStatus } from './docker-types.js';

/** Moves a state to `status`, keeping Docker's booleans (Running, Paused, Restarting, Dead) in step. */
export function withStatus(state: ContainerState, status: ContainerStatus): ContainerState {
  return {
    ...state,
    Status: status,
    Running: status === 'running' || status === 'paused' || status === 'restarting',
    Paused: status === 'paused',
    Restarting: status === 'restarting',
    Dead: status === 'dead',
  };
}

/** A started container; as Docker does, it keeps its last FinishedAt until it exits again. */
export function runningState(state: ContainerState, pid: number, startedAt: Date): ContainerState {
  return { ...withStatus(state, 'running'), Pid: pid, ExitCode: 0, Error: '', OOMKilled: false, StartedAt: startedAt.toISOString() };
}

export function exitedState(state: ContainerState, exit: { exitCode: number; finishedAt: Date; error?: string; oomKilled?: boolean }): ContainerState {
  return {
    ...withStatus(state, 'exited'),
    Pid: 0,
    ExitCode: exit.exitCode,
    FinishedAt: exit.finishedAt.toISOString(),
    Error: exit.error ?? state.Error,
    OOMKilled: exit.oomKilled ?? false,
  };
}

/** A start that failed before the process ran: the container stays created, with the error and its exit code. */
export function failedStartState(state: ContainerState, exitCode: number, error: string): ContainerState {
  return { ...state, ExitCode: exitCode, Error: error };
}
