// How an exec or attach ended, on the error stream: the kubelet's metav1.Status
// JSON for v4 and v5 (apimachinery's field order and omitempty), the bare
// message for the older protocols (nothing on success).

export interface CommandStatus {
  /** The failure's message; absent on success. */
  message?: string;
  /** The process's exit code when it exited non-zero. */
  exitCode?: number;
}

/** containerd's error of an exec whose process exited non-zero (streamRuntime.Exec's CodeExitError). */
export function nonZeroExit(cmd: readonly string[], code: number): CommandStatus {
  return { exitCode: code, message: `command terminated with non-zero exit code: error executing command [${cmd.join(' ')}], exit code ${code}` };
}

/** metav1.Status as json.Marshal writes it. */
export function statusJson(status: CommandStatus): string {
  if (status.message === undefined) return JSON.stringify({ metadata: {}, status: 'Success' });
  if (status.exitCode !== undefined) {
    return JSON.stringify({
      metadata: {},
      status: 'Failure',
      message: status.message,
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(status.exitCode) }] },
    });
  }
  // apierrors.NewInternalError(fmt.Errorf("error executing command in container: %v", err))
  const cause = `error executing command in container: ${status.message}`;
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${cause}`,
    reason: 'InternalError',
    details: { causes: [{ message: cause }] },
    code: 500,
  });
}

/** The v1–v3 error stream's text: the error's message, nothing on success. */
export function statusText(status: CommandStatus): string {
  if (status.message === undefined) return '';
  if (status.exitCode !== undefined) return status.message;
  return `Internal error occurred: error executing command in container: ${status.message}`;
}
