import { createHash } from 'node:crypto';
import type { Digest } from '@ce/protocol/reference';

// Parsing lives with the reference grammar in @ce/protocol (pure, for the CLI too).
export { parseDigest, isDigest, digestHex, type Digest } from '@ce/protocol/reference';

export function sha256(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The 12-digit short form Docker prints for ids. */
export const shortId = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);
