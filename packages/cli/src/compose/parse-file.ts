// One Compose file read and parsed (YAML 1.2 with anchors and << merge keys),
// errors naming the file and the line as docker-compose's do.
import { readFileSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import { parseDocument } from 'yaml';
import { ComposeError } from './compose-error.js';
import { isMapping } from './interpolate.js';

/** The file as docker-compose names it in errors: ./docker-compose.yml under the current folder. */
export function shownPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : `./${rel}`;
}

export function parseComposeFile(file: string, cwd = process.cwd()): Record<string, unknown> {
  const shown = shownPath(file, cwd);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new ComposeError(`.FileNotFoundError: [Errno 2] No such file or directory: '${shown}'`);
    throw new ComposeError(`.${e.code ?? 'Error'}: ${e.message}`);
  }
  const doc = parseDocument(text, { merge: true, prettyErrors: true, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    const pos = problem.linePos?.[0];
    const where = pos ? `\n  in "${shown}", line ${pos.line}, column ${pos.col}` : '';
    throw new ComposeError(`yaml.${problem.name === 'YAMLParseError' ? 'parser.ParserError' : 'YAMLError'}: ${problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}${where}`);
  }
  const value: unknown = doc.toJS({ maxAliasCount: 10_000 });
  if (value === null || value === undefined) return {};
  if (!isMapping(value)) throw new ComposeError(`Top level object in '${shown}' needs to be an object not '${Array.isArray(value) ? "<class 'list'>" : `<class '${typeof value}'>`}'.`);
  return value;
}
