// The Compose specification's interpolation: $VAR, ${VAR}, ${VAR:-default},
// ${VAR-default}, ${VAR:?error}, ${VAR?error}, and $$ for a literal $.
// Applied to every string of the file, keys excepted, before validation.
import { ComposeError } from './compose-error.js';

export type Lookup = (name: string) => string | undefined;

/** The string could not be read as interpolation syntax. */
export class InvalidInterpolation extends Error {}

/** A `?` or `:?` variable that is unset (or empty): its message. */
export class MissingRequiredVariable extends Error {}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

export function interpolateString(text: string, lookup: Lookup): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next === '{') {
      const close = text.indexOf('}', dollar + 2);
      if (close < 0) throw new InvalidInterpolation(text);
      out += braced(text.slice(dollar + 2, close), text, lookup);
      i = close + 1;
    } else {
      const name = NAME.exec(text.slice(dollar + 1))?.[0];
      if (!name) throw new InvalidInterpolation(text);
      out += lookup(name) ?? '';
      i = dollar + 1 + name.length;
    }
  }
  return out;
}

function braced(inner: string, whole: string, lookup: Lookup): string {
  const name = NAME.exec(inner)?.[0];
  if (!name) throw new InvalidInterpolation(whole);
  const rest = inner.slice(name.length);
  const value = lookup(name);
  if (rest === '') return value ?? '';
  const op = /^(:?[-?])/.exec(rest)?.[1];
  if (!op) throw new InvalidInterpolation(whole);
  const arg = rest.slice(op.length);
  const unset = op.startsWith(':') ? !value : value === undefined;
  if (op.endsWith('-')) return unset ? interpolateString(arg, lookup) : value!;
  if (unset) throw new MissingRequiredVariable(arg);
  return value!;
}

/**
 * Interpolates every string value of one section entry (a service, volume,
 * network…), with docker-compose's errors naming the option and the entry.
 */
export function interpolateEntry(section: string, name: string, entry: unknown, lookup: Lookup): unknown {
  if (!isMapping(entry)) return entry;
  const out: Record<string, unknown> = {};
  for (const [option, value] of Object.entries(entry)) {
    try {
      out[option] = interpolateValue(value, lookup);
    } catch (err) {
      if (err instanceof InvalidInterpolation) {
        throw new ComposeError(`Invalid interpolation format for "${option}" option in ${section} "${name}": "${err.message}"`);
      }
      if (err instanceof MissingRequiredVariable) {
        throw new ComposeError(`Missing mandatory value for "${option}" option interpolating ${describe(value)} in ${section} "${name}": ${err.message}`);
      }
      throw err;
    }
  }
  return out;
}

export function interpolateValue(value: unknown, lookup: Lookup): unknown {
  if (typeof value === 'string') return interpolateString(value, lookup);
  if (Array.isArray(value)) return value.map((v) => interpolateValue(v, lookup));
  if (isMapping(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateValue(v, lookup)]));
  return value;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
