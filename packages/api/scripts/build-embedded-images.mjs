#!/usr/bin/env node
// Builds the images ced carries inside its package, as real OCI image layouts:
//   dist/embedded/hello-world/   docker.io/library/hello-world:latest
// The hello program (embedded/hello-world/hello.c) is compiled static, put
// alone in one gzip layer as /hello (0755, root-owned), and described by an
// OCI config, manifest and index. Times are fixed, so equal compilers give
// byte-equal layouts. Run from packages/api: `node scripts/build-embedded-images.mjs`
// (needs @ce/image-store built and a C compiler with a static libc; CC overrides `cc`).
// `--out DIR` writes the layouts to DIR instead of dist/embedded (tests use it).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const outFlag = process.argv.indexOf('--out');
const outRoot = outFlag > 0 && process.argv[outFlag + 1] ? resolve(process.argv[outFlag + 1]) : join(pkgDir, 'dist', 'embedded');

let store;
try {
  store = await import('@ce/image-store');
} catch (err) {
  console.error(`build-embedded-images: cannot load @ce/image-store (run \`npm run build -w @ce/image-store\` first): ${err.message}`);
  process.exit(1);
}
const { buildImage, writeImageLayout } = store;

// A fixed date keeps the output reproducible; SOURCE_DATE_EPOCH overrides it.
const created = process.env.SOURCE_DATE_EPOCH
  ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000)
  : new Date('2025-01-01T00:00:00Z');

function compile(source, output) {
  const cc = process.env.CC || 'cc';
  const args = ['-static', '-Os', '-s', '-Wall', '-Wextra', '-o', output, source];
  try {
    execFileSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (err) {
    throw new Error(`${cc} ${args.join(' ')} failed (a static libc is needed, e.g. Debian's libc6-dev): ${err.message}`);
  }
}

async function buildHelloWorld() {
  const name = 'docker.io/library/hello-world:latest';
  const work = await mkdtemp(join(tmpdir(), 'ce-embedded-'));
  try {
    const binary = join(work, 'hello');
    compile(join(pkgDir, 'embedded', 'hello-world', 'hello.c'), binary);

    const image = await buildImage(
      [[{ name: 'hello', data: await readFile(binary), mode: 0o755, uid: 0, gid: 0, mtime: created }]],
      {
        created,
        createdBy: ['COPY hello /hello # ce scripts/build-embedded-images.mjs'],
        config: {
          Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
          Entrypoint: ['/hello'],
          WorkingDir: '/',
          Labels: { 'org.opencontainers.image.title': 'hello-world', 'org.opencontainers.image.source': 'ce' },
        },
      },
    );

    // Write beside the destination, then swap, so a reader never sees half a layout.
    const dest = join(outRoot, 'hello-world');
    const staging = `${dest}.tmp-${process.pid}`;
    await mkdir(outRoot, { recursive: true });
    await rm(staging, { recursive: true, force: true });
    await writeImageLayout(staging, image, name, 'latest');
    await rm(dest, { recursive: true, force: true });
    await rename(staging, dest);
    return { name, dest, id: image.manifest.config.digest, manifest: image.manifestDescriptor.digest, size: image.manifest.layers[0].size };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const built = await buildHelloWorld();
console.log(
  `embedded image ${built.name} → ${built.dest}\n  id ${built.id}\n  manifest ${built.manifest} (layer ${built.size} bytes)`,
);
