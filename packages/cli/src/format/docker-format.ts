// docker/cli's formatter.Context: a --format string, optionally starting with
// "table", run once per element; a table gets a header row (the same template
// run over the column names) and is aligned by a tabwriter.
import { dockerFunctions, dockerHeaderFunctions } from './functions.js';
import { GoTemplate } from './template.js';
import { tabwrite } from './tabwriter.js';

export const TABLE_PREFIX = 'table';

export interface ParsedFormat {
  table: boolean;
  template: GoTemplate;
}

export function isTableFormat(format: string): boolean {
  return format.startsWith(TABLE_PREFIX);
}

/** Context.preFormat then templates.Parse: `\t` and `\n` typed as two characters become tab and newline. */
export function parseDockerFormat(format: string): ParsedFormat {
  const table = isTableFormat(format);
  const text = (table ? format.slice(TABLE_PREFIX.length) : format).replace(/^ +| +$/g, '').replace(/\\t|\\n/g, (m) => (m === '\\t' ? '\t' : '\n'));
  return { table, template: new GoTemplate(text, dockerFunctions) };
}

/** Docker's plain template parse (templates.Parse) without the table handling, as inspect uses. */
export function parseDockerTemplate(text: string): GoTemplate {
  return new GoTemplate(text, dockerFunctions);
}

/**
 * Renders every element, or throws the first execution error with nothing
 * written, as docker prints nothing when a row fails.
 */
export function renderDockerFormat(parsed: ParsedFormat, elements: unknown[], header: unknown): string {
  let body = '';
  for (const element of elements) body += `${parsed.template.execute(element)}\n`;
  if (!parsed.table) return body;
  // The header's failures are ignored, keeping what was written (postFormat).
  const head = parsed.template.executePartial(header, { functions: dockerHeaderFunctions }).out;
  return tabwrite(`${head}\n${body}`);
}
