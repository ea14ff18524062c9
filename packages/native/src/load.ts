import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { NativeBinding } from './binding.js';

const require = createRequire(import.meta.url);
let buildDirPath: string | undefined;

/**
 * build/Release of this package. Found through the package's own name rather
 * than next to this module, because a command's bundle (ce-runc's) carries
 * this module inside it, where import.meta.url is the bundle's (decision 0033).
 */
function buildDir(): string {
  buildDirPath ??= join(dirname(require.resolve('@ce/native/package.json')), 'build', 'Release');
  return buildDirPath;
}

let binding: NativeBinding | undefined;

/** The addon, loaded on first use so that importing this package costs nothing. */
export function loadBinding(): NativeBinding {
  if (!binding) {
    const file = join(buildDir(), 'ce_native.node');
    if (!existsSync(file)) {
      throw new Error(`@ce/native is not built: ${file} is missing (run \`npm run build -w @ce/native\`)`);
    }
    binding = require(file) as NativeBinding;
  }
  return binding;
}

/** Absolute path of the ce-init helper executable. */
export function initPath(): string {
  const override = process.env.CE_INIT_PATH;
  const file = override || join(buildDir(), 'ce-init');
  if (!existsSync(file)) throw new Error(`ce-init helper not found at ${file} (run \`npm run build -w @ce/native\`)`);
  return file;
}

/** Absolute path of ce-container-init, the static init `--init` runs as a container's pid 1 (/sbin/docker-init). */
export function containerInitPath(): string {
  const file = join(buildDir(), 'ce-container-init');
  if (!existsSync(file)) throw new Error(`ce-container-init not found at ${file} (run \`npm run build -w @ce/native\`)`);
  return file;
}

/** Absolute path of ce-monitor, the per-container monitor (decision 0029). */
export function monitorPath(): string {
  const file = process.env.CE_MONITOR_PATH || join(buildDir(), 'ce-monitor');
  if (!existsSync(file)) throw new Error(`ce-monitor not found at ${file} (run \`npm run build -w @ce/native\`)`);
  return file;
}
