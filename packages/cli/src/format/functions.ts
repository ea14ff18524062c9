// The functions a template can call: Go's builtins and Docker's (templates.go).
import { formatValue, goJson, goTypeName, isTrue } from './go-values.js';
import { sprint, sprintf, sprintln } from './printf.js';

/** A parameter's Go type, checked as reflect would before the call. */
export type ParamType = 'any' | 'string' | 'int' | '[]string';

export interface TemplateFunction {
  params: ParamType[];
  /** The type of the parameters past `params` (Go's ...T), or none when not variadic. */
  variadic?: ParamType;
  call(...args: unknown[]): unknown;
}

/** Failures of a function, reported by Go as "error calling <name>: <message>". */
export class FunctionError extends Error {}

/** eq of a map, slice or struct; the executor words it with the value's Go type. */
export class NonComparableError extends FunctionError {
  constructor(readonly value: unknown) {
    super('non-comparable type');
  }
}

const fn = (params: ParamType[], call: (...args: never[]) => unknown, variadic?: ParamType): TemplateFunction => ({ params, variadic, call: call as (...args: unknown[]) => unknown });

/** The basic kind Go compares by; numbers are one kind here, as JSON has one. */
function kind(v: unknown): string | null {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return null;
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (a !== null && a !== undefined && typeof a === 'object') throw new NonComparableError(a);
  if (rest.length === 0) throw new FunctionError('missing argument for comparison');
  for (const b of rest) {
    if (kind(a) !== kind(b)) {
      if (a !== null && a !== undefined && b !== null && b !== undefined) throw new FunctionError('incompatible types for comparison');
      if (a === b || (a == null && b == null)) return true;
      continue;
    }
    if (a === b) return true;
  }
  return false;
}

function less(a: unknown, b: unknown): boolean {
  const ka = kind(a);
  const kb = kind(b);
  if (ka === null || ka === 'bool' || kb === null || kb === 'bool') throw new FunctionError('invalid type for comparison');
  if (ka !== kb) throw new FunctionError('incompatible types for comparison');
  return (a as number | string) < (b as number | string);
}

function length(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (v === undefined || v === null) throw new FunctionError('len of nil pointer');
  throw new FunctionError(`len of type ${goTypeName(v)}`);
}

function index(item: unknown, ...keys: unknown[]): unknown {
  let v = item;
  if (v === undefined || v === null) throw new FunctionError('index of untyped nil');
  for (const key of keys) {
    if (Array.isArray(v) || typeof v === 'string') {
      if (typeof key !== 'number' || !Number.isInteger(key)) throw new FunctionError(`cannot index slice/array with type ${goTypeName(key)}`);
      const len = typeof v === 'string' ? Buffer.byteLength(v) : v.length;
      if (key < 0 || key >= len) throw new FunctionError(`index out of range: ${key}`);
      v = typeof v === 'string' ? Buffer.from(v)[key] : v[key];
    } else if (v instanceof Map) {
      if (typeof key !== 'string') throw new FunctionError(`value has type ${goTypeName(key)}; should be string`);
      // A missing key gives the zero value of the map's element type.
      v = v.has(key) ? v.get(key) : [...v.values()].every((e) => typeof e === 'string') ? '' : null;
    } else if (v === null || v === undefined) {
      throw new FunctionError('index of nil pointer');
    } else {
      throw new FunctionError(`can't index item of type ${goTypeName(v)}`);
    }
  }
  return v;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (typeof item !== 'string' && !Array.isArray(item)) throw new FunctionError(`can't slice item of type ${goTypeName(item)}`);
  if (indexes.length > 3) throw new FunctionError(`too many slice indexes: ${indexes.length}`);
  if (typeof item === 'string' && indexes.length === 3) throw new FunctionError('cannot 3-index slice a string');
  const len = typeof item === 'string' ? Buffer.byteLength(item) : item.length;
  const bounds = [0, len];
  indexes.forEach((index, i) => {
    if (typeof index !== 'number' || !Number.isInteger(index)) throw new FunctionError(`cannot index slice/array with type ${goTypeName(index)}`);
    if (index < 0 || index > len) throw new FunctionError(`index out of range: ${index}`);
    bounds[i] = index;
  });
  const [start, end] = bounds as [number, number];
  if (start > end) throw new FunctionError(`invalid slice index: ${start} > ${end}`);
  return typeof item === 'string' ? Buffer.from(item).subarray(start, end).toString() : item.slice(start, end);
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

function jsEscape(s: string): string {
  return s.replace(/[\\'"<>&=\x00-\x1f]/g, (c) => {
    const named: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  });
}

/** Go's print-style argument joining for html, js and urlquery. */
const evalArgs = (args: unknown[]) => (args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args));

/** strings.Title: the first letter of each word upper-cased. */
function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());
}

export const goBuiltins: Record<string, TemplateFunction> = {
  // and/or are evaluated lazily by the executor.
  and: fn(['any'], () => undefined, 'any'),
  or: fn(['any'], () => undefined, 'any'),
  not: fn(['any'], (v: unknown) => !isTrue(v)),
  eq: fn(['any'], eq, 'any'),
  ne: fn(['any', 'any'], (a: unknown, b: unknown) => !eq(a, b)),
  lt: fn(['any', 'any'], less),
  le: fn(['any', 'any'], (a: unknown, b: unknown) => less(a, b) || eq(a, b)),
  gt: fn(['any', 'any'], (a: unknown, b: unknown) => !less(a, b) && !eq(a, b)),
  ge: fn(['any', 'any'], (a: unknown, b: unknown) => !less(a, b)),
  len: fn(['any'], length),
  index: fn(['any'], index, 'any'),
  slice: fn(['any'], slice, 'any'),
  print: fn([], (...args: unknown[]) => sprint(args), 'any'),
  printf: fn(['string'], (format: string, ...args: unknown[]) => sprintf(format, args), 'any'),
  println: fn([], (...args: unknown[]) => sprintln(args), 'any'),
  html: fn([], (...args: unknown[]) => htmlEscape(evalArgs(args)), 'any'),
  js: fn([], (...args: unknown[]) => jsEscape(evalArgs(args)), 'any'),
  urlquery: fn([], (...args: unknown[]) => encodeURIComponent(evalArgs(args)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`), 'any'),
  call: fn(['any'], (f: unknown, ...args: unknown[]) => {
    if (typeof f !== 'function') throw new FunctionError(`non-function of type ${goTypeName(f)}`);
    return (f as (...a: unknown[]) => unknown)(...args);
  }, 'any'),
};

/** docker/cli templates.basicFunctions. */
export const dockerFunctions: Record<string, TemplateFunction> = {
  // json.Encoder with SetEscapeHTML(false), trailing newline trimmed.
  json: fn(['any'], (v: unknown) => goJson(v, false).trim()),
  split: fn(['string', 'string'], (s: string, sep: string) => (sep === '' ? [...s] : s.split(sep))),
  join: fn(['[]string', 'string'], (parts: string[], sep: string) => parts.join(sep)),
  title: fn(['string'], title),
  lower: fn(['string'], (s: string) => s.toLowerCase()),
  upper: fn(['string'], (s: string) => s.toUpperCase()),
  // padWithSpace leaves an empty string empty.
  pad: fn(['string', 'int', 'int'], (s: string, left: number, right: number) => (s === '' ? s : ' '.repeat(Math.max(0, left)) + s + ' '.repeat(Math.max(0, right)))),
  truncate: fn(['string', 'int'], (s: string, n: number) => {
    const bytes = Buffer.from(s);
    return n < bytes.length ? bytes.subarray(0, n).toString() : s;
  }),
};

/** docker/cli templates.HeaderFunctions: a table's header row passes its strings through them. */
export const dockerHeaderFunctions: Record<string, TemplateFunction> = {
  json: fn(['any'], (v: unknown) => (typeof v === 'string' ? v : formatValue(v))),
  split: fn(['string', 'string'], (s: string) => s),
  join: fn(['string', 'string'], (s: string) => s),
  title: fn(['string'], (s: string) => s),
  lower: fn(['string'], (s: string) => s),
  upper: fn(['string'], (s: string) => s),
  pad: fn(['string', 'int', 'int'], (s: string) => s),
  truncate: fn(['string', 'int'], (s: string) => s),
};
