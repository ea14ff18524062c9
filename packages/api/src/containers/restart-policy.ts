// Docker's restart policies (HostConfig.RestartPolicy) and the daemon's checks
// of them, with its wording (moby daemon/container.go, 20.10). Pure: no I/O.
import { invalidArgument } from '@ce/protocol';

import type { RestartPolicy } from './model/docker-types.js';

export type { RestartPolicy };

/** The daemon's check of a policy a client sent; InvalidArgument with Docker's message. */
export function validateRestartPolicy(name: string, maximumRetryCount: number, autoRemove: boolean): RestartPolicy {
  switch (name) {
    case 'always':
    case 'unless-stopped':
    case 'no':
      if (maximumRetryCount !== 0) throw invalidArgument(`maximum retry count cannot be used with restart policy '${name}'`);
      break;
    case 'on-failure':
      if (maximumRetryCount < 0) throw invalidArgument('maximum retry count cannot be negative');
      break;
    case '':
      break;
    default:
      throw invalidArgument(`invalid restart policy '${name}'`);
  }
  const policy = { Name: name, MaximumRetryCount: maximumRetryCount } as RestartPolicy;
  if (autoRemove && !isNone(policy)) throw invalidArgument(`can't create 'AutoRemove' container with restart policy`);
  return policy;
}

/** The create request's HostConfig.RestartPolicy checked as dockerd does (absent: "no"). */
export function checkRestartPolicy(hostConfig: { RestartPolicy?: unknown; AutoRemove?: unknown }): void {
  const policy = hostConfig.RestartPolicy;
  if (policy === undefined || policy === null) return;
  const { Name = '', MaximumRetryCount = 0 } = policy as { Name?: unknown; MaximumRetryCount?: unknown };
  if (typeof Name !== 'string') throw invalidArgument('HostConfig.RestartPolicy.Name must be a string');
  if (typeof MaximumRetryCount !== 'number' || !Number.isInteger(MaximumRetryCount)) {
    throw invalidArgument('HostConfig.RestartPolicy.MaximumRetryCount must be an integer');
  }
  validateRestartPolicy(Name, MaximumRetryCount, hostConfig.AutoRemove === true);
}

export function isNone(policy: RestartPolicy | undefined): boolean {
  return !policy || policy.Name === '' || policy.Name === 'no';
}

