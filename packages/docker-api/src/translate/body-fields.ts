import { invalidArgument } from '@ce/protocol';

/** JSON's name of a value's type, as Go's decoder words a mismatch. */
function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

/**
 * Reads the fields of a Docker request body with Go's json decoding rules: a
 * missing or null field is its zero value; a field of the wrong type is a 400
 * in Go's words (`json: cannot unmarshal number into Go struct field
 * NetworkCreateRequest.Name of type string`; a nested field is named by the
 * innermost struct and the path from the body: `IPAMConfig.IPAM.Config.Subnet`).
 */
export class BodyFields {
  constructor(
    private readonly body: unknown,
    /** Go's type of the body, e.g. types.NetworkCreateRequest. */
    private readonly goType: string,
    /** The fields that lead here from the body. */
    private readonly path: readonly string[] = [],
  ) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidArgument(`json: cannot unmarshal ${jsonKind(body)} into Go value of type ${goType}`);
  }

  private value(name: string): unknown {
    return (this.body as Record<string, unknown>)[name];
  }

  private mismatch(name: string, value: unknown, goType: string): never {
    const struct = this.goType.slice(this.goType.lastIndexOf('.') + 1);
    throw invalidArgument(`json: cannot unmarshal ${jsonKind(value)} into Go struct field ${struct}.${[...this.path, name].join('.')} of type ${goType}`);
  }

  string(name: string): string {
    const v = this.value(name);
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') this.mismatch(name, v, 'string');
    return v;
  }

  bool(name: string): boolean {
    const v = this.value(name);
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') this.mismatch(name, v, 'bool');
    return v;
  }

  /** A map[string]string. */
  stringMap(name: string): Record<string, string> {
    const v = this.value(name);
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) this.mismatch(name, v, 'map[string]string');
    for (const entry of Object.values(v)) if (typeof entry !== 'string') this.mismatch(name, entry, 'string');
    return { ...(v as Record<string, string>) };
  }

  /** A []string. */
  strings(name: string): string[] {
    const v = this.value(name);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.mismatch(name, v, '[]string');
    for (const entry of v) if (typeof entry !== 'string') this.mismatch(name, entry, 'string');
    return [...(v as string[])];
  }

  /** A nested struct, read with its own Go name; absent or null: an empty one. */
  nested(name: string, goType: string): BodyFields {
    const v = this.value(name);
    if (v === undefined || v === null) return new BodyFields({}, goType, [...this.path, name]);
    if (typeof v !== 'object' || Array.isArray(v)) this.mismatch(name, v, goType);
    return new BodyFields(v, goType, [...this.path, name]);
  }

  /** A []struct, each element read with its own Go name. */
  nestedList(name: string, goType: string): BodyFields[] {
    const v = this.value(name);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.mismatch(name, v, `[]${goType}`);
    return v.map((entry) => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) this.mismatch(name, entry, goType);
      return new BodyFields(entry, goType, [...this.path, name]);
    });
  }
}

/** Docker's `filters` map as ce's key/value pairs (a key may repeat). */
export function filterPairs(filters: Record<string, string[]>): { key: string; value: string }[] {
  return Object.entries(filters).flatMap(([key, values]) => values.map((value) => ({ key, value })));
}
