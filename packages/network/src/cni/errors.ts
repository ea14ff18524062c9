// A plugin's failure, from the error JSON it printed (SPEC.md "Error"):
// {cniVersion, code, msg, details}. The CNI code is kept; the CeError code
// says what the caller can do about it.
import { CeError, type ErrorCode } from '@ce/protocol/errors';

/** The well-known error codes of the spec (1-99); plugins use 100 and above for their own. */
export const CniErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodeFailure: 6,
  InvalidNetworkConfig: 7,
  TryAgainLater: 11,
  /** The spec's generic failure; also what ce reports for a plugin that failed without parsable error JSON. */
  Internal: 999,
} as const;

const CE_CODE: Readonly<Record<number, ErrorCode>> = {
  [CniErrorCode.IncompatibleVersion]: 'FailedPrecondition',
  [CniErrorCode.UnsupportedField]: 'InvalidArgument',
  [CniErrorCode.UnknownContainer]: 'NotFound',
  [CniErrorCode.InvalidEnvironment]: 'InvalidArgument',
  [CniErrorCode.IoFailure]: 'Internal',
  [CniErrorCode.DecodeFailure]: 'InvalidArgument',
  [CniErrorCode.InvalidNetworkConfig]: 'InvalidArgument',
  [CniErrorCode.TryAgainLater]: 'Unavailable',
};

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

export interface CniErrorBody {
  code: number;
  msg: string;
  details?: string;
}

export class CniPluginError extends CeError {
  override name = 'CniPluginError';
  /** The CNI error code the plugin gave (999 when it gave none). */
  readonly cniCode: number;
  readonly msg: string;
  readonly details: string;
  constructor(
    readonly plugin: string,
    readonly command: CniCommand,
    body: CniErrorBody,
    /** The plugin's stderr, for the log. */
    readonly stderr = '',
    readonly network = '',
  ) {
    const details = body.details ? `; ${body.details}` : '';
    const on = network ? `network "${network}": ` : '';
    super(CE_CODE[body.code] ?? 'Internal', `${on}plugin type="${plugin}" failed (${command.toLowerCase()}): ${body.msg}${details}`);
    this.cniCode = body.code;
    this.msg = body.msg;
    this.details = body.details ?? '';
  }
}

/**
 * The error body of a failed plugin, as libcni's pluginErr reads it: the
 * JSON on stdout; without stdout, the stderr text or the exit status.
 */
export function errorBodyOf(stdout: string, stderr: string, exit: string): CniErrorBody {
  if (stdout.trim() === '') {
    const msg = stderr.trim() ? `netplugin failed: ${JSON.stringify(stderr.trim())}: ${exit}` : `netplugin failed with no error message: ${exit}`;
    return { code: CniErrorCode.Internal, msg };
  }
  try {
    const body = JSON.parse(stdout) as Record<string, unknown>;
    if (typeof body === 'object' && body !== null && typeof body['msg'] === 'string') {
      const code = typeof body['code'] === 'number' ? body['code'] : CniErrorCode.Internal;
      const details = typeof body['details'] === 'string' && body['details'] ? body['details'] : undefined;
      return details === undefined ? { code, msg: body['msg'] } : { code, msg: body['msg'], details };
    }
  } catch {
    // falls through to the message below
  }
  return { code: CniErrorCode.Internal, msg: `netplugin failed (${exit}) but its diagnostic message could not be parsed: ${JSON.stringify(stdout.trim())}` };
}
