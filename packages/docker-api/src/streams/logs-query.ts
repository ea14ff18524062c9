import { invalidArgument } from '@ce/protocol';
import type { LogsRequest } from '@ce/protocol/gen/ce/api/v1/containers';
import type { RequestContext } from '../request-context.js';

const INT32_MAX = 2 ** 31 - 1;

/** Docker's `tail`: a count of lines, anything else (absent, "all", not a number, negative) every line (-1). */
export function tailLines(value: string | null): number {
  if (value === null || !/^[+-]?\d+$/.test(value.trim())) return -1;
  const n = Number(value.trim());
  return n < 0 ? -1 : Math.min(n, INT32_MAX);
}

/** The streams a logs or attach request asks for. */
export interface StreamChoice {
  stdout: boolean;
  stderr: boolean;
}

/**
 * GET /containers/{id}/logs's query as dockerd reads it: stdout and stderr
 * (at least one), follow, since and until (Unix seconds with an optional
 * fraction, checked by ced), tail, timestamps and details.
 */
export function logsQuery(ctx: RequestContext, id: string): { request: LogsRequest; streams: StreamChoice } {
  const streams = { stdout: ctx.queryBool('stdout'), stderr: ctx.queryBool('stderr') };
  if (!streams.stdout && !streams.stderr) throw invalidArgument('Bad parameters: you must choose at least one stream');
  return {
    streams,
    request: {
      id,
      follow: ctx.queryBool('follow'),
      since: ctx.query.get('since') ?? '',
      until: ctx.query.get('until') ?? '',
      tail: tailLines(ctx.query.get('tail')),
      timestamps: ctx.queryBool('timestamps'),
      details: ctx.queryBool('details'),
    },
  };
}
