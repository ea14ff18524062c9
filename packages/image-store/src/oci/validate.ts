// Parsing with validation: every document read from a layout or the content
// store goes through here, so malformed input fails with a message that says
// which document and which field.
import { invalidArgument } from '@ce/protocol';
import { parseDigest } from '../digest.js';
import {
  isConfigMediaType,
  isIndexMediaType,
  isLayerMediaType,
  isManifestMediaType,
  isSchema1MediaType,
  MediaType,
} from './media-types.js';
import type { Descriptor, OciImageConfig, OciIndex, OciLayoutHeader, OciManifest, Platform } from './types.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(what: string, why: string): never {
  throw invalidArgument(`invalid ${what}: ${why}`);
}

export function parseJson(data: Uint8Array | string, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
  } catch (err) {
    fail(what, `not JSON (${(err as Error).message})`);
  }
  if (!isObject(value)) fail(what, 'not a JSON object');
  return value;
}

function stringMap(v: unknown, what: string, field: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || Object.values(v).some((x) => typeof x !== 'string')) fail(what, `${field} must map strings to strings`);
  return v as Record<string, string>;
}

function validatePlatform(v: unknown, what: string, field: string): Platform | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || typeof v.os !== 'string' || typeof v.architecture !== 'string') {
    fail(what, `${field} must have string "os" and "architecture"`);
  }
  if (v.variant !== undefined && typeof v.variant !== 'string') fail(what, `${field}.variant must be a string`);
  return v as unknown as Platform;
}

export function validateDescriptor(v: unknown, what: string, field = 'descriptor'): Descriptor {
  if (!isObject(v)) fail(what, `${field} must be an object`);
  if (typeof v.mediaType !== 'string' || v.mediaType === '') fail(what, `${field}.mediaType must be a non-empty string`);
  try {
    parseDigest(v.digest, `${field}.digest`);
  } catch (err) {
    fail(what, (err as Error).message.replace(/^invalid /, ''));
  }
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) {
    fail(what, `${field}.size must be a non-negative integer`);
  }
  if (v.urls !== undefined && (!Array.isArray(v.urls) || v.urls.some((u) => typeof u !== 'string'))) {
    fail(what, `${field}.urls must be a list of strings`);
  }
  stringMap(v.annotations, what, `${field}.annotations`);
  validatePlatform(v.platform, what, `${field}.platform`);
  return v as unknown as Descriptor;
}

function checkSchema(doc: Json, what: string, descMediaType: string | undefined, allowed: readonly string[]): void {
  if (doc.schemaVersion !== 2) {
    if (doc.schemaVersion === 1 || (descMediaType && isSchema1MediaType(descMediaType))) {
      fail(what, 'Docker image manifest schema 1 is not supported (deprecated since Docker 1.10); re-push the image');
    }
    fail(what, `schemaVersion must be 2, not ${JSON.stringify(doc.schemaVersion)}`);
  }
  if (doc.mediaType !== undefined) {
    if (typeof doc.mediaType !== 'string' || !allowed.includes(doc.mediaType)) {
      fail(what, `unexpected mediaType ${JSON.stringify(doc.mediaType)} (expected ${allowed.join(' or ')})`);
    }
    if (descMediaType && doc.mediaType !== descMediaType) {
      fail(what, `mediaType ${doc.mediaType} does not match its descriptor's ${descMediaType}`);
    }
  }
}

/** An OCI image index or a Docker manifest list. */
export function parseIndex(data: Uint8Array | string, what = 'image index', descMediaType?: string): OciIndex {
  const doc = parseJson(data, what);
  checkSchema(doc, what, descMediaType, [MediaType.OciIndex, MediaType.DockerManifestList]);
  if (!Array.isArray(doc.manifests)) fail(what, '"manifests" must be a list');
  doc.manifests.forEach((m, i) => validateDescriptor(m, what, `manifests[${i}]`));
  stringMap(doc.annotations, what, 'annotations');
  return doc as unknown as OciIndex;
}

/** An OCI image manifest or a Docker schema 2 manifest. */
export function parseManifest(data: Uint8Array | string, what = 'image manifest', descMediaType?: string): OciManifest {
  const doc = parseJson(data, what);
  checkSchema(doc, what, descMediaType, [MediaType.OciManifest, MediaType.DockerManifest]);
  const config = validateDescriptor(doc.config, what, 'config');
  if (!Array.isArray(doc.layers)) fail(what, '"layers" must be a list');
  const layers = doc.layers.map((l, i) => validateDescriptor(l, what, `layers[${i}]`));
  stringMap(doc.annotations, what, 'annotations');
  // An image (as opposed to an artifact) has an image config and layers we can unpack.
  if (isConfigMediaType(config.mediaType)) {
    layers.forEach((l, i) => {
      if (!isLayerMediaType(l.mediaType)) fail(what, `layers[${i}] has media type ${l.mediaType}, which is not an image layer`);
    });
  }
  return doc as unknown as OciManifest;
}

/** Whether a manifest describes a runnable image rather than an artifact (signature, SBOM…). */
export const isImageManifest = (m: OciManifest): boolean => isConfigMediaType(m.config.mediaType);

/** An OCI image config (Docker's container image config has the same shape). */
export function parseImageConfig(data: Uint8Array | string, what = 'image config'): OciImageConfig {
  const doc = parseJson(data, what);
  if (typeof doc.architecture !== 'string' || doc.architecture === '') fail(what, '"architecture" must be a non-empty string');
  if (typeof doc.os !== 'string' || doc.os === '') fail(what, '"os" must be a non-empty string');
  const rootfs = doc.rootfs;
  if (!isObject(rootfs) || rootfs.type !== 'layers' || !Array.isArray(rootfs.diff_ids)) {
    fail(what, '"rootfs" must be {"type": "layers", "diff_ids": [...]}');
  }
  rootfs.diff_ids.forEach((d, i) => {
    try {
      parseDigest(d, `rootfs.diff_ids[${i}]`);
    } catch (err) {
      fail(what, (err as Error).message.replace(/^invalid /, ''));
    }
  });
  if (doc.config !== undefined && doc.config !== null) {
    const c = doc.config;
    if (!isObject(c)) fail(what, '"config" must be an object');
    for (const key of ['Env', 'Entrypoint', 'Cmd'] as const) {
      const v = c[key];
      if (v !== undefined && v !== null && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) {
        fail(what, `config.${key} must be a list of strings`);
      }
    }
    stringMap(c.Labels, what, 'config.Labels');
  }
  if (doc.created !== undefined && (typeof doc.created !== 'string' || Number.isNaN(Date.parse(doc.created)))) {
    fail(what, '"created" must be an RFC 3339 date');
  }
  return doc as unknown as OciImageConfig;
}

export function parseLayoutHeader(data: Uint8Array | string, what = 'oci-layout file'): OciLayoutHeader {
  const doc = parseJson(data, what);
  if (typeof doc.imageLayoutVersion !== 'string') fail(what, '"imageLayoutVersion" must be a string');
  if (!/^1\.\d+\.\d+$/.test(doc.imageLayoutVersion)) {
    fail(what, `unsupported imageLayoutVersion ${doc.imageLayoutVersion} (this store reads 1.x)`);
  }
  return doc as unknown as OciLayoutHeader;
}

/**
 * Parses a document a descriptor points at as an index or a manifest,
 * by the descriptor's media type or, failing that, the document's shape.
 */
export function parseIndexOrManifest(
  data: Uint8Array,
  desc: Pick<Descriptor, 'mediaType' | 'digest'>,
): { kind: 'index'; index: OciIndex } | { kind: 'manifest'; manifest: OciManifest } {
  const what = (kind: string) => `${kind} ${desc.digest}`;
  if (isIndexMediaType(desc.mediaType)) return { kind: 'index', index: parseIndex(data, what('image index'), desc.mediaType) };
  if (isManifestMediaType(desc.mediaType)) {
    return { kind: 'manifest', manifest: parseManifest(data, what('image manifest'), desc.mediaType) };
  }
  if (isSchema1MediaType(desc.mediaType)) {
    fail(what('image manifest'), 'Docker image manifest schema 1 is not supported (deprecated since Docker 1.10); re-push the image');
  }
  const doc = parseJson(data, what('document'));
  if (Array.isArray(doc.manifests)) return { kind: 'index', index: parseIndex(data, what('image index')) };
  if (isObject(doc.config)) return { kind: 'manifest', manifest: parseManifest(data, what('image manifest')) };
  fail(what('document'), `media type ${desc.mediaType} is neither an image index nor an image manifest`);
}
