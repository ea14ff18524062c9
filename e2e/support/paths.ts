import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cedBin = join(repoRoot, 'packages/api/bin/ced.mjs');
export const ceBin = join(repoRoot, 'packages/cli/bin/ce.cjs');
