// Docker's restart policies (HostConfig.RestartPolicy) and the daemon's checks
// of them, with its wording (moby daemon/container.go, 20.10). Pure: no I/O.
import { invalidArgument } from '@ce/protocol';

export type RestartPolicyName = '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';

/** HostConfig.RestartPolicy as the Engine API 1.41 has it; an empty Name means "no". */
export interface RestartPolicy {
  Name: RestartPolicyName;
  MaximumRetryCount: number;
}

export const NO_RESTART: RestartPolicy = { Name: 'no', MaximumRetryCount: 0 };

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
  const policy: RestartPolicy = { Name: name, MaximumRetryCount: maximumRetryCount };
  if (autoRemove && !isNone(policy)) throw invalidArgument(`can't create 'AutoRemove' container with restart policy`);
  return policy;
}

export function isNone(policy: RestartPolicy | undefined): boolean {
  return !policy || policy.Name === '' || policy.Name === 'no';
}

