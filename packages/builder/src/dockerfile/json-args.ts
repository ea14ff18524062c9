// The exec (JSON) form of an instruction as Docker reads it: the first JSON
// value of the text (anything after it is ignored, as Go's json.Decoder
// does), which must be an array of strings.

export const notStringArray = 'when using JSON array syntax, arrays must be comprised of strings only';

export type JsonArgs = { ok: true; args: string[] } | { ok: false; notStringArray: boolean };

/** The end (exclusive) of the JSON value starting at `text[0]`, or -1 when it never closes. */
function endOfFirstValue(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

export function parseJsonArgs(rest: string): JsonArgs {
  const text = rest.replace(/^[\s\u0085\u00a0]+/u, '');
  if (!text.startsWith('[')) return { ok: false, notStringArray: false };
  const end = endOfFirstValue(text);
  if (end < 0) return { ok: false, notStringArray: false };
  let value: unknown;
  try {
    value = JSON.parse(text.slice(0, end));
  } catch {
    return { ok: false, notStringArray: false };
  }
  if (!Array.isArray(value)) return { ok: false, notStringArray: false };
  if (!value.every((v) => typeof v === 'string')) return { ok: false, notStringArray: true };
  return { ok: true, args: value as string[] };
}
