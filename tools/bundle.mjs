#!/usr/bin/env node
// Bundles a built entry point into one ESM file next to it. Loading one file
// instead of hundreds of modules halves the start-up of processes on a
// container's path (ce, ce-shim); see docs/decisions/0006.
//
// --code-cache: bundle as CommonJS into <out without .mjs>.cjs, write <out.mjs> as
// a small loader that compiles it with V8's code cache, and write that cache
// (<name>.cjs.cache) from a training run of `<out.mjs> --help`. Compiling the
// 1 MB bundle was most of ce's start-up; see docs/decisions/0033.
// --alias from=to: bundle `to` wherever `from` is imported (the CLI bundles
// @ce/protocol/grpc-lite for @grpc/grpc-js; docs/decisions/0048).
// usage: node tools/bundle.mjs <entry.js> <out.mjs> [--external pkg]... [--alias from=to]... [--code-cache]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [entry, outfile, ...rest] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error('usage: bundle.mjs <entry.js> <out.mjs> [--external pkg]... [--alias from=to]... [--code-cache]');
  process.exit(2);
}
const external = [];
const alias = {};
let codeCache = false;
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--external') external.push(rest[++i]);
  else if (rest[i] === '--alias' && /^[^=]+=[^=]+$/.test(rest[i + 1] ?? '')) {
    const [from, to] = rest[++i].split('=');
    alias[from] = to;
  }
  else if (rest[i] === '--code-cache') codeCache = true;
  else {
    console.error(`bundle.mjs: unknown argument ${rest[i]}`);
    process.exit(2);
  }
}

const common = {
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  target: 'node20',
  external,
  alias,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
};

if (!codeCache) {
  await build({
    ...common,
    outfile,
    format: 'esm',
    // CommonJS dependencies (grpc-js, pino) call require(); give them one.
    banner: { js: "import { createRequire as __ceRequire } from 'node:module'; const require = __ceRequire(import.meta.url);" },
  });
} else {
  const cjsFile = join(dirname(outfile), basename(outfile).replace(/\.mjs$/, '') + '.cjs');
  await build({
    ...common,
    outfile: cjsFile,
    format: 'cjs',
    define: { 'import.meta.url': '__ceImportMetaUrl' },
    banner: { js: "const __ceImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  const loader = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'lib/code-cache-loader.mjs'), 'utf8');
  writeFileSync(outfile, loader.replace('__BUNDLE__', basename(cjsFile)));
  chmodSync(outfile, 0o755);
  rmSync(`${cjsFile}.cache`, { force: true });
  const training = spawnSync(process.execPath, [outfile, '--help'], {
    env: { ...process.env, CE_TRAIN_CODE_CACHE: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (training.status !== 0) {
    console.error(`bundle.mjs: the training run \`${outfile} --help\` failed (${training.status ?? training.signal})`);
    process.exit(1);
  }
}
