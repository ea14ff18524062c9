// --restart as docker's CLI reads it (docker/cli opts.ParseRestartPolicy): the
// format is checked here, the policy name and count by the daemon.

export interface RestartPolicyFlag {
  name: string;
  maximumRetryCount: number;
}

/** "name[:count]"; throws with Docker's message on a bad format. */
export function parseRestartFlag(value: string | undefined): RestartPolicyFlag {
  if (!value) return { name: '', maximumRetryCount: 0 };
  const parts = value.split(':');
  if (parts.length > 2) throw new Error('invalid restart policy format');
  let maximumRetryCount = 0;
  if (parts.length === 2) {
    // Go's strconv.Atoi: an optional sign and decimal digits, nothing else.
    if (!/^[+-]?\d+$/.test(parts[1]!)) throw new Error('maximum retry count must be an integer');
    maximumRetryCount = Number(parts[1]);
    if (!Number.isSafeInteger(maximumRetryCount)) throw new Error('maximum retry count must be an integer');
  }
  return { name: parts[0]!, maximumRetryCount };
}

/** docker run/create refuse --rm with any policy but "no" before asking the daemon. */
export function restartConflictsWithRm(policy: RestartPolicyFlag, rm: boolean): boolean {
  return rm && policy.name !== '' && policy.name !== 'no';
}
