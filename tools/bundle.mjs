#!/usr/bin/env node
// Bundles a built entry point into one ESM file next to it. Loading one file
// instead of hundreds of modules halves the start-up of processes on a
// container's path (ce, ce-shim); see docs/decisions/0006.
// usage: node tools/bundle.mjs <entry.js> <out.mjs> [--external pkg]...
import { build } from 'esbuild';

const [entry, outfile, ...rest] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error('usage: bundle.mjs <entry.js> <out.mjs> [--external pkg]...');
  process.exit(2);
}
const external = [];
for (let i = 0; i < rest.length; i++) if (rest[i] === '--external') external.push(rest[++i]);

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies (grpc-js, pino) call require(); give them one.
  banner: { js: "import { createRequire as __ceRequire } from 'node:module'; const require = __ceRequire(import.meta.url);" },
});
