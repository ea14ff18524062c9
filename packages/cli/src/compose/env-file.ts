// The .env file and env_file entries, read as docker-compose 1.29 reads them
// (python-dotenv): KEY=VALUE lines, `export ` before the key allowed, `#`
// comments, single quotes literal, double quotes with backslash escapes, an
// unquoted value ending at ` #`; a bare KEY has no value (null).
import { readFileSync } from 'node:fs';
import { ComposeError } from './compose-error.js';

export type EnvValues = Record<string, string | null>;

const DOUBLE_QUOTE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', "'": "'" };

export function parseEnvFile(text: string): EnvValues {
  const values: EnvValues = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const body = line.replace(/^export\s+/, '');
    const eq = body.indexOf('=');
    if (eq < 0) {
      values[body.trim()] = null;
      continue;
    }
    const key = body.slice(0, eq).trim();
    if (!key) continue;
    values[key] = parseValue(body.slice(eq + 1).trim());
  }
  return values;
}

function parseValue(value: string): string {
  if (value.startsWith("'")) {
    const end = value.indexOf("'", 1);
    return end < 0 ? value : value.slice(1, end);
  }
  if (value.startsWith('"')) {
    let out = '';
    for (let i = 1; i < value.length; i++) {
      const c = value[i]!;
      if (c === '"') return out;
      if (c === '\\' && i + 1 < value.length) {
        const next = value[++i]!;
        out += DOUBLE_QUOTE_ESCAPES[next] ?? `\\${next}`;
      } else out += c;
    }
    return value;
  }
  const comment = value.search(/\s#/);
  return (comment < 0 ? value : value.slice(0, comment)).trim();
}

/** Reads an env file; `shownPath` is the path as the user wrote it, for the error. */
export function readEnvFile(path: string, shownPath = path): EnvValues {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ComposeError(`Couldn't find env file: ${shownPath}`);
    throw new ComposeError(`Couldn't read env file ${shownPath}: ${(err as Error).message}`);
  }
  return parseEnvFile(text);
}
