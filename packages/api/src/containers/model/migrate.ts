// Records written before the Docker model (schema 1: ce's own camelCase
// layout) are rewritten into schema 2 when ced loads them.
import type { ImageRunConfig } from '../process-args.js';
import { CONTAINER_RECORD_SCHEMA, type ContainerRecord } from '../record.js';
import { mergeHostConfig, mergeImageEnv } from './create-config.js';
import { ZERO_TIME, type ContainerConfig, type ContainerStatus } from './docker-types.js';
import { newContainerRecord } from './new-record.js';
import { withStatus } from './state.js';

/** Schema 1, as ced wrote it until the Docker model. */
export interface RecordV1 {
  id: string;
  name: string;
  image: string;
  imageId: string;
  createdAt: string;
  config: {
    env: string[];
    workingDir: string;
    user: string;
    hostname: string;
    autoRemove: boolean;
    tty: boolean;
    openStdin: boolean;
    labels: Record<string, string>;
    stopSignal?: string;
    stopTimeout?: number;
  };
  hostConfig?: { privileged: boolean; capAdd: string[]; capDrop: string[]; securityOpt: string[] };
  pathAndArgs: string[];
  state: { status: ContainerStatus; pid: number; exitCode: number; startedAt?: string; finishedAt?: string; error?: string };
}

export function isCurrentRecord(raw: unknown): raw is ContainerRecord {
  return typeof raw === 'object' && raw !== null && (raw as { SchemaVersion?: unknown }).SchemaVersion === CONTAINER_RECORD_SCHEMA;
}

export function isRecordV1(raw: unknown): raw is RecordV1 {
  const r = raw as Partial<RecordV1> | null;
  return typeof r === 'object' && r !== null && typeof r.id === 'string' && Array.isArray(r.pathAndArgs) && typeof r.state === 'object';
}

/** A schema-1 record in schema 2; `image` is its image's run config when the image is still there (for Env, as create merges it). */
export function migrateV1(v1: RecordV1, image: ImageRunConfig | undefined, logPath: string): ContainerRecord {
  const [path = '', ...args] = v1.pathAndArgs;
  const hostConfig = mergeHostConfig({
    AutoRemove: v1.config.autoRemove,
    ...(v1.hostConfig
      ? {
          Privileged: v1.hostConfig.privileged,
          CapAdd: v1.hostConfig.capAdd.length ? v1.hostConfig.capAdd : null,
          CapDrop: v1.hostConfig.capDrop.length ? v1.hostConfig.capDrop : null,
          SecurityOpt: v1.hostConfig.securityOpt.length ? v1.hostConfig.securityOpt : null,
        }
      : {}),
  });
  const s = v1.state;
  const config: ContainerConfig = {
    Hostname: v1.config.hostname,
    Domainname: '',
    User: v1.config.user,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: v1.config.tty,
    OpenStdin: v1.config.openStdin,
    StdinOnce: false,
    Env: mergeImageEnv(v1.config.env, image?.Env),
    Cmd: args.length || path ? [path, ...args] : null,
    Image: v1.image,
    Volumes: null,
    WorkingDir: v1.config.workingDir,
    Entrypoint: null,
    OnBuild: null,
    Labels: v1.config.labels,
    ...(v1.config.stopSignal ? { StopSignal: v1.config.stopSignal } : {}),
    ...(v1.config.stopTimeout !== undefined ? { StopTimeout: v1.config.stopTimeout } : {}),
  };
  const record = newContainerRecord({ id: v1.id, name: v1.name, created: v1.createdAt, path, args, imageId: v1.imageId, config, hostConfig });
  return {
    ...record,
    State: {
      ...withStatus(record.State, s.status),
      Pid: s.pid,
      ExitCode: s.exitCode,
      Error: s.error ?? '',
      StartedAt: s.startedAt ?? ZERO_TIME,
      FinishedAt: s.finishedAt ?? ZERO_TIME,
    },
    LogPath: s.startedAt ? logPath : '',
  };
}
