import { invalidArgument } from '@ce/protocol';
import type { CreateExecRequest, ExecInspect } from '@ce/protocol/gen/ce/api/v1/containers';
import { detachKeysOf } from './detach-keys.js';

/** Docker's ExecConfig, as POST /containers/{id}/exec takes it. */
export interface DockerExecConfig {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Tty?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  User?: string;
  WorkingDir?: string;
  Privileged?: boolean;
  DetachKeys?: string;
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalidArgument(`json: cannot unmarshal ${typeof value} into Go struct field ExecConfig.${field} of type []string`);
  return value as string[];
}

function optionalString(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw invalidArgument(`json: cannot unmarshal ${typeof value} into Go struct field ExecConfig.${field} of type string`);
  return value;
}

/** ced's CreateExec from Docker's body; dockerd's words for what it refuses. */
export function createExecRequest(containerRef: string, body: DockerExecConfig): CreateExecRequest {
  const cmd = stringList(body.Cmd, 'Cmd');
  if (cmd.length === 0) throw invalidArgument('No exec command specified');
  // ce runs an exec with its container's capabilities; granting it all of them is not done yet, and is refused rather than ignored.
  if (body.Privileged === true) throw invalidArgument('privileged exec is not supported by ce: the process gets its container\'s capabilities');
  return {
    id: containerRef,
    cmd,
    env: stringList(body.Env, 'Env'),
    user: optionalString(body.User, 'User'),
    workingDir: optionalString(body.WorkingDir, 'WorkingDir'),
    tty: body.Tty === true,
    attachStdin: body.AttachStdin === true,
    attachStdout: body.AttachStdout === true,
    attachStderr: body.AttachStderr === true,
    // Checked by ced, with dockerd's words.
    detachKeys: optionalString(body.DetachKeys, 'DetachKeys'),
    consoleSize: undefined,
  };
}

/** Docker's ExecInspect (GET /exec/{id}/json) from ced's; ExitCode stays null until the process has ended. */
export function dockerExecInspect(e: ExecInspect): Record<string, unknown> {
  return {
    ID: e.id,
    Running: e.running,
    ExitCode: e.started && !e.running ? e.exitCode : null,
    ProcessConfig: { tty: e.tty, entrypoint: e.entrypoint, arguments: e.arguments, privileged: false, ...(e.user ? { user: e.user } : {}) },
    OpenStdin: e.openStdin,
    OpenStderr: e.openStderr,
    OpenStdout: e.openStdout,
    CanRemove: false,
    ContainerID: e.containerId,
    // Docker keeps the parsed key bytes ([]byte), which JSON carries in base64.
    DetachKeys: e.detachKeys ? detachKeysOf(e.detachKeys).toString('base64') : '',
    Pid: e.pid,
  };
}
