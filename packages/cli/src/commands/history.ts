// `ce history`: docker history's table (cli/command/image/history.go and
// cli/command/formatter/history.go): newest entry first, `<missing>` where no
// local image ends at an entry.
import { unary } from '@ce/protocol';
import type { ImageHistoryEntry, ImageHistoryResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { GO_MARSHAL, GO_TYPE, type GoStruct } from '../format/go-values.js';
import { humanDuration, humanSize } from '../humanize.js';
import { parseListFormat, renderListFormat } from '../list-format.js';

const HISTORY_TABLE_FORMAT = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
const HISTORY_TABLE_FORMAT_NOT_HUMAN = 'table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';

export function historyFormat(format: string | undefined, quiet: boolean, human: boolean): string {
  if (format === undefined || format === 'table') {
    if (quiet) return '{{.ID}}';
    return human ? HISTORY_TABLE_FORMAT : HISTORY_TABLE_FORMAT_NOT_HUMAN;
  }
  return format;
}

export function historyHeader(): GoStruct {
  return { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT', Tags: 'TAGS' };
}

/** Go's time.RFC3339 in the local zone ("2024-05-01T10:00:00+02:00", "Z" in UTC). */
function rfc3339(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');
  const zone = offset === 0 ? 'Z' : `${offset > 0 ? '+' : '-'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${zone}`;
}

/** Docker's stringutils.Ellipsis: at most `max` characters, the last one "…" when cut. */
function ellipsis(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

export function historyContext(entry: ImageHistoryEntry, o: { trunc: boolean; human: boolean; now: number }): GoStruct {
  const id = entry.id ? (o.trunc ? entry.id.replace(/^sha256:/, '').slice(0, 12) : entry.id) : '<missing>';
  const created = entry.created ?? new Date(0);
  const createdAt = rfc3339(created);
  const createdBy = entry.createdBy.replace(/\t/g, ' ');
  const context: GoStruct = {
    [GO_TYPE]: '*formatter.historyContext',
    ID: id,
    CreatedSince: o.human ? `${humanDuration(o.now - created.getTime())} ago` : createdAt,
    CreatedAt: createdAt,
    CreatedBy: o.trunc ? ellipsis(createdBy, 45) : createdBy,
    Size: o.human ? humanSize(entry.size) : String(entry.size),
    Comment: entry.comment,
    Tags: entry.tags.join(', '),
  };
  context[GO_MARSHAL] = () => new Map(Object.entries(context).filter(([, v]) => typeof v === 'string'));
  return context;
}

export function registerHistory(program: Command, connect: () => Connection): void {
  program
    .command('history')
    .description('Show the history of an image')
    .argument('<image>')
    .option('--format <string>', 'Pretty-print images using a Go template')
    .option('-H, --human [bool]', 'Print sizes and dates in human readable format', 'true')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs')
    .action(async (image: string, opts: { format?: string; human: string | boolean; trunc: boolean; quiet?: boolean }) => {
      const human = opts.human === true || opts.human === 'true' || opts.human === '1';
      const parsed = parseListFormat(historyFormat(opts.format, !!opts.quiet, human));
      const conn = connect();
      let res: ImageHistoryResponse;
      try {
        res = await unary<ImageHistoryResponse>((cb) => conn.images.history({ reference: image }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      const now = Date.now();
      process.stdout.write(renderListFormat(parsed, res.entries.map((e) => historyContext(e, { trunc: opts.trunc, human, now })), historyHeader()));
    });
}
