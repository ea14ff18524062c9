// ced builds specs without the runtime's native half: the spec options and
// ced's use of them must not reach @ce/native or @ce/runtime's main entry
// (which does), so the CRI adapter and library users can build specs anywhere.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Resolves @ce/<pkg>[/<sub>] to the package's source through its exports map, as it resolves to dist at run time. */
const workspaceSources: Plugin = {
  name: 'workspace-sources',
  setup(b) {
    b.onResolve({ filter: /^@ce\// }, (args) => {
      const [, pkg, ...rest] = args.path.split('/');
      const dir = join(root, 'packages', pkg!);
      const exports = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).exports as Record<string, { import: string }>;
      const sub = rest.length ? `./${rest.join('/')}` : '.';
      const entry = exports[sub]?.import ?? exports['./gen/*']!.import.replace('*', rest.slice(1).join('/'));
      return { path: join(dir, entry.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')) };
    });
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@ce/') ? undefined : { path: args.path, external: true }));
  },
};

async function importGraph(entry: string): Promise<string[]> {
  const result = await build({ entryPoints: [join(root, entry)], bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', logLevel: 'silent', plugins: [workspaceSources] });
  return Object.keys(result.metafile.inputs);
}

it("ced's spec building reaches neither @ce/native nor @ce/runtime's main entry", async () => {
  for (const entry of ['packages/runtime/src/spec/index.ts', 'packages/api/src/containers/oci-spec.ts']) {
    const files = await importGraph(entry);
    expect(files).toContain('packages/runtime/src/spec/opts/spec-opt.ts');
    expect(files.filter((f) => f.startsWith('packages/native/'))).toEqual([]);
    expect(files).not.toContain('packages/runtime/src/index.ts');
  }
});

const dist = (p: string) => join(root, p);
const built = ['packages/api/dist/containers/oci-spec.js', 'packages/runtime/dist/spec/index.js', 'packages/native/build/Release/ce_native.node'].every((p) => existsSync(dist(p)));

it.skipIf(!built)('building a spec in a fresh process loads no native addon (needs npm run build)', () => {
  const script = `
    const { containerSpec } = await import(${JSON.stringify(dist('packages/api/dist/containers/oci-spec.js'))});
    const { defaultSeccompProfile } = await import(${JSON.stringify(dist('packages/runtime/dist/spec/index.js'))});
    const record = { Id: 'a'.repeat(64), Name: '/c', Path: 'id', Args: [], Config: { Env: [], WorkingDir: '', User: '', Hostname: 'h', Tty: false }, HostConfig: { NetworkMode: 'default', Privileged: false, CapAdd: null, CapDrop: null, SecurityOpt: null } };
    const spec = containerSpec(record, { uid: 0, gid: 0, additionalGids: [0], home: '/root' }, { seccompProfile: defaultSeccompProfile(), boundingSet: ['CAP_KILL'], hostDevices: () => [] }, () => { throw new Error('none'); });
    const addons = process.report.getReport().sharedObjects.filter((f) => f.endsWith('.node'));
    console.log(JSON.stringify({ args: spec.process.args, seccomp: !!spec.linux.seccomp, addons }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  expect(out).toEqual({ args: ['id'], seccomp: true, addons: [] });
});
