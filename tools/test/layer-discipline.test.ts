// The layer rules of docs/architecture.md, checked on the import graph of the
// sources (esbuild resolves @ce/<pkg>[/<sub>] through each package's exports
// map, to src/ instead of dist/):
// - the CLI reaches only @ce/protocol, pure helpers and its own code: no image
//   store, no native addon, no daemon-side package, at install or at run time;
// - the CRI adapter reaches ced only through @ce/protocol's gRPC clients;
// - the pure entry points load neither grpc-js nor native code.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

const workspaceSources: Plugin = {
  name: 'workspace-sources',
  setup(b) {
    b.onResolve({ filter: /^@ce\// }, (args) => {
      const [, pkg, ...rest] = args.path.split('/');
      const dir = join(root, 'packages', pkg!);
      const exports = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).exports as Record<string, { import: string }>;
      const sub = rest.length ? `./${rest.join('/')}` : '.';
      const entry = exports[sub]?.import ?? exports['./gen/*']?.import.replace('*', rest.slice(1).join('/'));
      if (!entry) return { errors: [{ text: `${args.path} is not exported by @ce/${pkg}` }] };
      return { path: join(dir, entry.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')) };
    });
    // Everything else (node:*, npm packages) is left out and listed as external.
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@ce/') ? undefined : { path: args.path, external: true }));
  },
};

interface Graph {
  /** Source files reached, relative to the repo. */
  files: string[];
  /** Bare specifiers left external: node builtins and npm packages. */
  externals: string[];
}

async function importGraph(entry: string): Promise<Graph> {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    plugins: [workspaceSources],
  });
  const inputs = result.metafile.inputs;
  const externals = new Set<string>();
  for (const input of Object.values(inputs)) for (const imp of input.imports) if (imp.external) externals.add(imp.path);
  return { files: Object.keys(inputs), externals: [...externals] };
}

const packageOf = (file: string) => /^packages\/([^/]+)\//.exec(file)?.[1];
/** The npm package of a bare specifier: "@grpc/grpc-js/build/x" → "@grpc/grpc-js". */
const npmPackage = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);

/** Files reached outside the allowed places, and externals that are neither node builtins nor allowed packages. */
function violations(graph: Graph, allowed: { files: (f: string) => boolean; npm: readonly string[] }): string[] {
  const badFiles = graph.files.filter((f) => !allowed.files(f));
  const badNpm = graph.externals.filter((s) => !s.startsWith('node:') && !allowed.npm.includes(npmPackage(s)));
  return [...badFiles, ...badNpm.map((s) => `npm:${s}`)];
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** Where the pure entry points may reach: their own folder and the pure error module. */
const pureProtocol = (f: string) => /^packages\/protocol\/src\/(errors|reference|registry-auth|mounts|container-list)\//.test(f) || f === 'packages/protocol/src/drain.ts' || f === 'packages/protocol/src/atomic-file.ts' || f === 'packages/protocol/src/port-specs.ts';

describe('the CLI', () => {
  const ALLOWED_CE_IMPORTS = /^@ce\/protocol(\/(errors|reference|registry-auth|drain|port-specs|mounts|copy|container-list|gen\/.*))?$|^@ce\/runtime\/spec$|^@ce\/builder\/dockerfile$/;

  it('imports only @ce/protocol and the pure @ce/runtime/spec in its sources', () => {
    const bad: string[] = [];
    for (const file of sourcesUnder('packages/cli/src')) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const m of text.matchAll(/\bfrom\s+['"](@ce\/[^'"]+)['"]|\bimport\(\s*['"](@ce\/[^'"]+)['"]/g)) {
        const spec = (m[1] ?? m[2])!;
        if (!ALLOWED_CE_IMPORTS.test(spec)) bad.push(`${file}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('reaches no image store, native, runtime (but its spec), shim, supervisor or daemon code when it runs', async () => {
    const graph = await importGraph('packages/cli/src/bin/ce.ts');
    expect(graph.files).toContain('packages/cli/src/bin/ce.ts');
    // of the runtime, only what @ce/runtime/spec reaches (checked pure below)
    const spec = new Set((await importGraph('packages/runtime/src/spec/index.ts')).files);
    const allowed = (f: string) => ['cli', 'protocol'].includes(packageOf(f) ?? '') || spec.has(f) || f.startsWith('packages/builder/src/dockerfile/');
    // tar-stream: @ce/protocol/copy's archives (ce cp), pure JavaScript installed with @ce/protocol.
    // yaml: ce compose's Compose files (eemeli's parser: YAML 1.2, anchors, merge keys, positions in errors);
    // ajv: only its runtime `equal` helper, which the ahead-of-time compiled Compose schema validator calls.
    expect(violations(graph, { files: allowed, npm: ['commander', '@grpc/grpc-js', '@bufbuild/protobuf', 'tar-stream', 'yaml', 'ajv'] })).toEqual([]);
  });

  it('installs only @ce/protocol, commander, yaml and ajv: the rest is bundled into dist/ce.cjs at build time', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@ce/protocol', 'ajv', 'commander', 'yaml']);
  });
});

describe('the CRI adapter', () => {
  it("reaches ced only through @ce/protocol's clients; of @ce/network only its CNI driver and pinned netns, of @ce/runtime only its pure spec (decision 0055)", async () => {
    const graph = await importGraph('packages/cri/src/bin/ce-cri.ts');
    expect(graph.files).toContain('packages/cri/src/server.ts');
    // A pod's netns is pinned on the CRI's host, as containerd's CRI does: @ce/network's netlink helpers and @ce/native
    // (which also mounts the pod's /dev/shm tmpfs, decision 0056).
    const netns = ['packages/network/src/netlink/', 'packages/network/src/link-ops.ts', 'packages/native/'];
    const spec = new Set((await importGraph('packages/runtime/src/spec/index.ts')).files);
    const allowed = (f: string) =>
      ['cri', 'protocol'].includes(packageOf(f) ?? '') || f.startsWith('packages/network/src/cni/') || netns.some((p) => f.startsWith(p)) || spec.has(f);
    // ws: the streaming server's WebSocket channels (decision 0057).
    expect(violations(graph, { files: allowed, npm: ['@grpc/grpc-js', '@bufbuild/protobuf', 'tar-stream', 'ws'] })).toEqual([]);
  });
});

describe('pure entry points', () => {
  it('@ce/protocol/errors loads no grpc-js and nothing else', async () => {
    const graph = await importGraph('packages/protocol/src/errors/index.ts');
    expect(graph.files.length).toBeGreaterThan(1);
    expect(violations(graph, { files: (f) => f.startsWith('packages/protocol/src/errors/'), npm: [] })).toEqual([]);
  });

  for (const entry of ['reference/index.ts', 'registry-auth/index.ts', 'mounts/index.ts', 'container-list/index.ts', 'drain.ts', 'atomic-file.ts', 'port-specs.ts']) {
    it(`@ce/protocol/${entry.replace(/(\/index)?\.ts$/, '')} loads no grpc-js`, async () => {
      const graph = await importGraph(`packages/protocol/src/${entry}`);
      expect(violations(graph, { files: pureProtocol, npm: [] })).toEqual([]);
    });
  }

  it('@ce/protocol/grpc-lite, the gRPC client the CLI is bundled with, loads only node builtins', async () => {
    const graph = await importGraph('packages/protocol/src/grpc-lite/index.ts');
    expect(graph.externals).toContain('node:http2');
    expect(violations(graph, { files: (f) => f.startsWith('packages/protocol/src/grpc-lite/'), npm: [] })).toEqual([]);
  });

  it('@ce/runtime/spec loads no native code, no grpc-js and not the runtime itself', async () => {
    const graph = await importGraph('packages/runtime/src/spec/index.ts');
    expect(graph.files).toContain('packages/runtime/src/spec/opts/spec-opt.ts');
    // the seccomp compiler's tables are pure too; the runtime's main entry and the native half are not
    const allowed = (f: string) => f.startsWith('packages/runtime/src/spec/') || f.startsWith('packages/runtime/src/seccomp/');
    expect(violations(graph, { files: allowed, npm: [] })).toEqual([]);
  });

  it('@ce/builder/dockerfile (the Dockerfile parser, .dockerignore) loads nothing outside its folder', async () => {
    const graph = await importGraph('packages/builder/src/dockerfile/index.ts');
    expect(graph.files).toContain('packages/builder/src/dockerfile/parser.ts');
    expect(violations(graph, { files: (f) => f.startsWith('packages/builder/src/dockerfile/'), npm: [] })).toEqual([]);
  });

  it('notices a forbidden import (the checks can fail)', async () => {
    const graph = await importGraph('packages/protocol/src/index.ts');
    expect(violations(graph, { files: pureProtocol, npm: [] })).toContain('npm:@grpc/grpc-js');
    const store = await importGraph('packages/image-store/src/index.ts');
    expect(store.files.some((f) => f.startsWith('packages/native/'))).toBe(true);
  });
});
