// How Go sees the values a template walks: JSON-like data where plain objects
// are structs (fields in declared order, printed `{a b}`), `Map`s are Go maps
// (printed `map[k:v]` with sorted keys), null is nil and undefined is the
// "no value" of a missing map key.

/** The Go type a struct-like object stands for, for error messages (`*formatter.ContainerContext`). */
export const GO_TYPE = Symbol('goType');
/** A custom `MarshalJSON` for an object: returns the value to encode instead. */
export const GO_MARSHAL = Symbol('goMarshal');

/** The fields of a struct tagged `omitempty`: left out of JSON when zero. */
export const GO_OMITEMPTY = Symbol('goOmitempty');

export type GoStruct = { [GO_TYPE]?: string; [GO_MARSHAL]?: () => unknown; [GO_OMITEMPTY]?: ReadonlySet<string>; [field: string]: unknown };

export function isStruct(v: unknown): v is GoStruct {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map);
}

export function goTypeName(v: unknown): string {
  if (v === undefined) return '<invalid>';
  if (v === null) return 'interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'function') return 'func';
  if (Array.isArray(v)) return v.every((e) => typeof e === 'string') ? '[]string' : '[]interface {}';
  if (v instanceof Map) return [...v.values()].every((e) => typeof e === 'string') ? 'map[string]string' : 'map[string]interface {}';
  return (v as GoStruct)[GO_TYPE] ?? 'struct';
}

/** Go's `%v`, as fmt.Sprint prints a value. */
export function formatValue(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'function') return '<func>';
  if (Array.isArray(v)) return `[${v.map(formatNested).join(' ')}]`;
  if (v instanceof Map) return `map[${sortedKeys(v).map((k) => `${k}:${formatNested(v.get(k))}`).join(' ')}]`;
  return `{${structFields(v as GoStruct).map(([, f]) => formatNested(f)).join(' ')}}`;
}

function formatNested(v: unknown): string {
  // Inside a composite, Go prints a nil interface as <nil> and never "<no value>".
  return v === undefined ? '<nil>' : formatValue(v);
}

/** Go's `%+v`: struct fields with their names. */
export function formatValuePlus(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatValuePlus).join(' ')}]`;
  if (v instanceof Map) return `map[${sortedKeys(v).map((k) => `${k}:${formatValuePlus(v.get(k))}`).join(' ')}]`;
  if (isStruct(v)) return `{${structFields(v).map(([k, f]) => `${k}:${formatValuePlus(f)}`).join(' ')}}`;
  return formatNested(v);
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  // strconv.FormatFloat(f, 'g', -1, 64): %e when the exponent is < -4 or >= 6 (shortest digits), two-digit exponents.
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  const [mantissa, exp] = n.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(n);
}

export function sortedKeys(m: Map<string, unknown>): string[] {
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function structFields(v: GoStruct): [string, unknown][] {
  return Object.entries(v).filter(([, f]) => typeof f !== 'function');
}

/** Go's truth for if/with/and/or/not. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

/** encoding/json's Marshal. Docker's `json` function does not escape HTML; MarshalJSON of its list contexts does. */
export function goJson(v: unknown, escapeHtml: boolean): string {
  if (v === undefined || v === null || isGoNil(v)) return 'null';
  if (typeof v === 'string') return goJsonString(v, escapeHtml);
  if (typeof v === 'number') return Number.isFinite(v) ? formatJsonNumber(v) : 'null';
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'function') return 'null';
  if (Array.isArray(v)) return `[${v.map((e) => goJson(e, escapeHtml)).join(',')}]`;
  if (v instanceof Map) return `{${sortedKeys(v).map((k) => `${goJsonString(k, escapeHtml)}:${goJson(v.get(k), escapeHtml)}`).join(',')}}`;
  const marshal = (v as GoStruct)[GO_MARSHAL];
  // A MarshalJSON's output is json.Marshal'ed, so HTML-escaped, whatever the encoder says.
  if (marshal) return goJson(marshal.call(v), true);
  const omitempty = (v as GoStruct)[GO_OMITEMPTY];
  const fields = structFields(v as GoStruct).filter(([k, f]) => !(omitempty?.has(k) && !isTrue(f)));
  return `{${fields.map(([k, f]) => `${goJsonString(k, escapeHtml)}:${goJson(f, escapeHtml)}`).join(',')}}`;
}

/** encoding/json's float format is ECMAScript's (%f, %e below 1e-6 and from 1e21, exponents without padding). */
function formatJsonNumber(n: number): string {
  return String(n);
}

export function goJsonString(s: string, escapeHtml: boolean): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x2028 || c === 0x2029 || (escapeHtml && (ch === '<' || ch === '>' || ch === '&'))) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd';
    else out += ch;
  }
  return `${out}"`;
}

/** Marks a nil slice or map: printed `[]` / `map[]`, encoded as JSON null. */
export const GO_NIL = Symbol('goNil');

export function isGoNil(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { [GO_NIL]?: boolean })[GO_NIL] === true;
}

export function nilSlice(): unknown[] {
  return Object.assign([], { [GO_NIL]: true });
}

export function nilMap(): Map<string, unknown> {
  return Object.assign(new Map<string, unknown>(), { [GO_NIL]: true });
}

/** What JSON cannot say about a Go type: which objects are maps, which nulls are slices, which fields omitempty dropped. */
export interface GoShapes {
  /** Paths (`Config.Labels`, `NetworkSettings.Networks.*.DriverOpts`) of maps. */
  maps: ReadonlySet<string>;
  /** Paths of slices, printed `[]` when null. */
  slices: ReadonlySet<string>;
  /** Struct path → fields omitempty may drop, with their zero value (null: a nil pointer). */
  omitted: ReadonlyMap<string, [string, unknown][]>;
}

/** Turns decoded JSON into Go-shaped values: objects become structs, except where the shapes say maps. */
export function fromJson(value: unknown, shapes: GoShapes, path = ''): unknown {
  if (value === null || value === undefined) {
    if (shapes.slices.has(path)) return nilSlice();
    if (shapes.maps.has(path)) return nilMap();
    return null;
  }
  if (Array.isArray(value)) return value.map((e) => fromJson(e, shapes, `${path}[]`));
  if (typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (shapes.maps.has(path)) return new Map(entries.map(([k, v]) => [k, fromJson(v, shapes, `${path}.*`)]));
  const struct = Object.fromEntries(entries.map(([k, v]) => [k, fromJson(v, shapes, path ? `${path}.${k}` : k)]));
  const omitted = shapes.omitted.get(path);
  if (!omitted) return struct;
  for (const [field, zero] of omitted) {
    if (!(field in struct)) struct[field] = fromJson(zero, shapes, path ? `${path}.${field}` : field);
  }
  return Object.assign(struct, { [GO_OMITEMPTY]: new Set(omitted.map(([field]) => field)) });
}

/** Decoded JSON as Go's json.Unmarshal into interface{} gives it: every object a map. */
export function rawJsonValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rawJsonValue);
  if (typeof value !== 'object' || value === null) return value;
  return new Map(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, rawJsonValue(v)]));
}

/** json.Indent(prefix "", indent) of decoded JSON, strings escaped as Go's encoder does without HTML escaping. */
export function goJsonIndent(v: unknown, indent = '    ', depth = 0): string {
  const pad = (d: number) => `\n${indent.repeat(d)}`;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${v.map((e) => pad(depth + 1) + goJsonIndent(e, indent, depth + 1)).join(',')}${pad(depth)}]`;
  }
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{${entries.map(([k, e]) => `${pad(depth + 1)}${goJsonString(k, false)}: ${goJsonIndent(e, indent, depth + 1)}`).join(',')}${pad(depth)}}`;
  }
  return goJson(v, false);
}
