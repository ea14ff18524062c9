// fmt.Sprintf for the verbs templates use, with Go's wording for mismatches.
import { formatNumber, formatValue, formatValuePlus, goTypeName, isStruct, sortedKeys, structFields } from './go-values.js';

export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argIndex = 0;
  const re = /%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?([\s\S])?/gu;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const [, flags = '', widthText, precisionText, verb] = m;
    if (verb === undefined) {
      out += '%!(NOVERB)';
      continue;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    let width: number | undefined;
    let precision: number | undefined;
    if (widthText === '*') width = Number(args[argIndex++]);
    else if (widthText !== undefined) width = Number(widthText);
    if (precisionText === '*') precision = Number(args[argIndex++]);
    else if (precisionText !== undefined) precision = precisionText === '' ? 0 : Number(precisionText);
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[argIndex++], { flags, width, precision });
  }
  out += format.slice(last);
  if (argIndex < args.length) {
    out += `%!(EXTRA ${args
      .slice(argIndex)
      .map((a) => `${goTypeName(a)}=${formatValue(a)}`)
      .join(', ')})`;
  }
  return out;
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(a);
  });
  return out;
}

/** fmt.Sprintln: spaces between all operands, a newline after. */
export function sprintln(args: unknown[]): string {
  return `${args.map((a) => formatValue(a)).join(' ')}\n`;
}

interface Spec {
  flags: string;
  width?: number;
  precision?: number;
}

function formatOne(verb: string, arg: unknown, spec: Spec): string {
  const text = render(verb, arg, spec);
  return pad(text, spec, typeof arg === 'number' && 'dxXobeEfFgG'.includes(verb));
}

function render(verb: string, arg: unknown, spec: Spec): string {
  if (Array.isArray(arg) && verb !== 'v' && verb !== 'T' && !(verb === 'x' || verb === 'X' ? false : false)) {
    return `[${arg.map((e) => render(verb, e, { flags: spec.flags, precision: spec.precision })).join(' ')}]`;
  }
  if (arg instanceof Map && verb !== 'v' && verb !== 'T') {
    return `map[${sortedKeys(arg).map((k) => `${render(verb, k, spec)}:${render(verb, arg.get(k), spec)}`).join(' ')}]`;
  }
  if (isStruct(arg) && verb !== 'v' && verb !== 'T') {
    return `{${structFields(arg).map(([, f]) => render(verb, f, spec)).join(' ')}}`;
  }
  const bad = () => `%!${verb}(${goTypeName(arg)}=${formatValue(arg)})`;
  switch (verb) {
    case 'v':
      if (spec.flags.includes('+')) return formatValuePlus(arg);
      if (typeof arg === 'string' && spec.precision !== undefined) return [...arg].slice(0, spec.precision).join('');
      if (typeof arg === 'number' && spec.precision !== undefined && !Number.isInteger(arg)) return formatG(arg, spec.precision);
      return formatValue(arg);
    case 'T':
      return goTypeName(arg);
    case 's':
      if (typeof arg === 'string') return spec.precision !== undefined ? [...arg].slice(0, spec.precision).join('') : arg;
      if (arg === null) return '%!s(<nil>)';
      if (typeof arg === 'number' || typeof arg === 'boolean') return bad();
      return formatValue(arg);
    case 'q':
      if (typeof arg === 'string') return goQuote(arg);
      if (typeof arg === 'number' && Number.isInteger(arg)) return `'${String.fromCodePoint(arg)}'`;
      return bad();
    case 't':
      return typeof arg === 'boolean' ? String(arg) : bad();
    case 'd':
      if (typeof arg !== 'number' || !Number.isInteger(arg)) return bad();
      return withSign(arg.toFixed(0), arg, spec);
    case 'b':
    case 'o':
    case 'c':
    case 'U':
      if (typeof arg !== 'number' || !Number.isInteger(arg)) return bad();
      if (verb === 'c') return String.fromCodePoint(arg);
      if (verb === 'U') return `U+${arg.toString(16).toUpperCase().padStart(4, '0')}`;
      return withSign(Math.abs(arg).toString(verb === 'b' ? 2 : 8), arg, spec);
    case 'x':
    case 'X': {
      let hex: string;
      if (typeof arg === 'string') hex = [...Buffer.from(arg, 'utf8')].map((b) => b.toString(16).padStart(2, '0')).join(spec.flags.includes(' ') ? ' ' : '');
      else if (typeof arg === 'number' && Number.isInteger(arg)) hex = (arg < 0 ? '-' : '') + (spec.flags.includes('#') ? '0x' : '') + Math.abs(arg).toString(16);
      else return bad();
      return verb === 'X' ? hex.toUpperCase() : hex;
    }
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      if (typeof arg !== 'number') return bad();
      const p = spec.precision;
      let s: string;
      if (verb === 'f' || verb === 'F') s = arg.toFixed(p ?? 6);
      else if (verb === 'e' || verb === 'E') s = arg.toExponential(p ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      else s = p === undefined ? formatNumber(arg) : formatG(arg, p);
      if (verb === 'E' || verb === 'G') s = s.toUpperCase();
      return withSign(s, arg, spec);
    }
    default:
      return `%!${verb}(${goTypeName(arg)}=${formatValue(arg)})`;
  }
}

function formatG(n: number, precision: number): string {
  const s = n.toPrecision(Math.max(precision, 1));
  const [mantissa, exp] = s.split('e');
  const trimmed = mantissa!.includes('.') ? mantissa!.replace(/\.?0+$/, '') : mantissa!;
  return exp === undefined ? trimmed : `${trimmed}e${exp.replace(/^([+-])(\d)$/, '$10$2')}`;
}

function withSign(s: string, n: number, spec: Spec): string {
  if (n < 0 && !s.startsWith('-')) return `-${s}`;
  if (n >= 0 && spec.flags.includes('+')) return `+${s}`;
  if (n >= 0 && spec.flags.includes(' ')) return ` ${s}`;
  return s;
}

function pad(text: string, spec: Spec, numeric: boolean): string {
  const width = spec.width ?? 0;
  const length = [...text].length;
  if (length >= width) return text;
  if (spec.flags.includes('-')) return text + ' '.repeat(width - length);
  if (spec.flags.includes('0') && numeric) {
    const sign = /^[+\- ]/.test(text) ? text[0] : '';
    return sign + '0'.repeat(width - length) + text.slice(sign.length);
  }
  return ' '.repeat(width - length) + text;
}

/** strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const named: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };
    if (named[ch]) out += named[ch];
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
