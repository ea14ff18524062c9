// Go's time.ParseDuration, with its error words, for HEALTHCHECK's flags.

const unitNs: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5
  'μs': 1e3, // U+03BC
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.quote: non-ASCII and control characters as \x bytes of their UTF-8. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x80 || code < 0x20) {
      for (const b of new TextEncoder().encode(ch)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else {
      out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
    }
  }
  return `${out}"`;
}

/** Nanoseconds of a Go duration string (`1m30s`, `500ms`, `1.5h`); throws Go's error text. */
export function parseGoDuration(text: string): number {
  const quoted = goQuote(text);
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  while (s !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const whole = num[1]!;
    const frac = num[2];
    if (whole === '' && (frac === undefined || frac === '')) throw new Error(`time: invalid duration ${quoted}`);
    s = s.slice(num[0].length);
    const unit = /^[^0-9.]*/.exec(s)![0];
    if (unit === '') throw new Error(`time: missing unit in duration ${quoted}`);
    const scale = unitNs[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${goQuote(unit)} in duration ${quoted}`);
    s = s.slice(unit.length);
    // Go truncates the fraction in integer arithmetic: 0.3s is 300000000ns exactly.
    const fracNs = frac ? Number((BigInt(frac) * BigInt(scale)) / 10n ** BigInt(frac.length)) : 0;
    total += Number(whole || '0') * scale + fracNs;
    if (total > 2 ** 63 - 1) throw new Error(`time: invalid duration ${quoted}`);
  }
  return negative ? -total : total;
}
