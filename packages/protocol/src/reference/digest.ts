import { invalidArgument } from '../errors/index.js';

/** A content digest, `sha256:<64 lowercase hex>`. */
export type Digest = `sha256:${string}`;

const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SHA256_HEX = /^[a-f0-9]{64}$/;

/**
 * Checks that `value` is a sha256 digest this store can address, throwing an
 * InvalidArgument that names `what` otherwise.
 */
export function parseDigest(value: unknown, what = 'digest'): Digest {
  if (typeof value !== 'string' || !DIGEST_RE.test(value)) {
    throw invalidArgument(`invalid ${what} ${JSON.stringify(value)}: expected "sha256:<64 hex digits>"`);
  }
  const [algorithm, hex] = value.split(':', 2) as [string, string];
  if (algorithm !== 'sha256') {
    throw invalidArgument(`unsupported digest algorithm "${algorithm}" in ${what} ${value}: only sha256 is supported`);
  }
  if (!SHA256_HEX.test(hex)) {
    throw invalidArgument(`invalid ${what} ${value}: a sha256 digest has 64 lowercase hex digits`);
  }
  return value as Digest;
}

export const isDigest = (value: unknown): value is Digest => {
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
};

export const digestHex = (digest: Digest): string => digest.slice('sha256:'.length);
