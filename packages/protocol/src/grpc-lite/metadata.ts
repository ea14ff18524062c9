import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';

export type MetadataValue = string | Buffer;

/** Headers the transport owns; they never show up as metadata. */
const RESERVED = new Set(['content-type', 'te', 'grpc-status', 'grpc-message', 'grpc-encoding', 'grpc-accept-encoding', 'grpc-timeout', 'user-agent', 'content-length']);

/** The part of grpc-js's Metadata that ce uses: lowercased keys, each with a list of values; `-bin` keys carry Buffers. */
export class Metadata {
  private readonly map = new Map<string, MetadataValue[]>();

  set(key: string, value: MetadataValue): void {
    this.map.set(key.toLowerCase(), [value]);
  }

  add(key: string, value: MetadataValue): void {
    const k = key.toLowerCase();
    this.map.set(k, [...(this.map.get(k) ?? []), value]);
  }

  remove(key: string): void {
    this.map.delete(key.toLowerCase());
  }

  get(key: string): MetadataValue[] {
    return this.map.get(key.toLowerCase()) ?? [];
  }

  getMap(): Record<string, MetadataValue> {
    const out: Record<string, MetadataValue> = {};
    for (const [k, values] of this.map) if (values.length) out[k] = values[0]!;
    return out;
  }

  clone(): Metadata {
    const copy = new Metadata();
    for (const [k, values] of this.map) for (const v of values) copy.add(k, v);
    return copy;
  }

  toHttp2Headers(): OutgoingHttpHeaders {
    const headers: OutgoingHttpHeaders = {};
    for (const [k, values] of this.map) {
      headers[k] = values.map((v) => (k.endsWith('-bin') ? Buffer.from(v).toString('base64') : String(v)));
    }
    return headers;
  }

  static fromHttp2Headers(headers: IncomingHttpHeaders): Metadata {
    const md = new Metadata();
    for (const [k, raw] of Object.entries(headers)) {
      if (k.startsWith(':') || RESERVED.has(k) || raw === undefined) continue;
      const values = Array.isArray(raw) ? raw : k.endsWith('-bin') ? raw.split(',') : [raw];
      for (const v of values) md.add(k, k.endsWith('-bin') ? Buffer.from(v.trim(), 'base64') : v);
    }
    return md;
  }
}
