#!/usr/bin/env node
// Builds the pod's pause process and its image, so that a pod sandbox never
// needs a registry (decision 0055):
//   build/ce-pause             pause/pause.c, static when the C library allows
//   dist/pause-image/          an OCI image layout of localhost/ce-pause:<version>
//                              holding /pause alone (0755, root-owned)
// Times are fixed, so equal compilers give byte-equal layouts. Run from
// packages/cri (needs @ce/image-store built and a C compiler; CC overrides `cc`).
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const binary = join(pkgDir, 'build', 'ce-pause');
const layout = join(pkgDir, 'dist', 'pause-image');
// Keep in step with PAUSE_IMAGE in src/pause-image.ts and PAUSE_VERSION in pause/pause.c.
const name = 'localhost/ce-pause:1.0';

const created = process.env.SOURCE_DATE_EPOCH ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000) : new Date('2025-01-01T00:00:00Z');

function compile() {
  const cc = process.env.CC || 'cc';
  const common = ['-std=gnu11', '-Os', '-s', '-Wall', '-Wextra', '-o', binary, join(pkgDir, 'pause', 'pause.c')];
  try {
    execFileSync(cc, ['-static', ...common], { stdio: ['ignore', 'inherit', 'inherit'] });
    return 'static';
  } catch {
    // No static libc: a dynamic binary still runs on the host, but not in an empty image.
    execFileSync(cc, common, { stdio: ['ignore', 'inherit', 'inherit'] });
    return 'dynamic';
  }
}

await mkdir(dirname(binary), { recursive: true });
const linkage = compile();
if (linkage !== 'static') {
  console.warn(`build-pause: ${binary} is dynamically linked (no static libc, e.g. Debian's libc6-dev): no pause image built`);
  process.exit(0);
}

let store;
try {
  store = await import('@ce/image-store');
} catch (err) {
  console.error(`build-pause: cannot load @ce/image-store (run \`npm run build -w @ce/image-store\` first): ${err.message}`);
  process.exit(1);
}
const image = await store.buildImage(
  [[{ name: 'pause', data: await readFile(binary), mode: 0o755, uid: 0, gid: 0, mtime: created }]],
  {
    created,
    createdBy: ['COPY pause /pause # ce packages/cri/scripts/build-pause.mjs'],
    config: {
      Entrypoint: ['/pause'],
      WorkingDir: '/',
      Labels: { 'org.opencontainers.image.title': 'ce-pause', 'org.opencontainers.image.source': 'ce' },
    },
  },
);
// Write beside the destination, then swap, so a reader never sees half a layout.
const staging = `${layout}.tmp-${process.pid}`;
await rm(staging, { recursive: true, force: true });
await store.writeImageLayout(staging, image, name, '1.0');
await rm(layout, { recursive: true, force: true });
await rename(staging, layout);
console.log(`build-pause: ${binary} (static), ${name} ${image.manifest.config.digest} in ${layout}`);
