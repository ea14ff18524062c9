import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bundler = join(import.meta.dirname, '../bundle.mjs');
let dir: string;

// An ES module entry like ce's: a #! line, import.meta.url, an exit code, and a
// --help path that the training run goes through. TOOL_RECORD: where it writes its arguments.
const entry = `#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
const args = process.argv.slice(2);
if (process.env.TOOL_RECORD) writeFileSync(process.env.TOOL_RECORD, JSON.stringify(args));
if (args[0] === '--help') {
  process.stdout.write('usage: tool [ARG]...\\n');
} else {
  process.stdout.write(JSON.stringify({ args, url: import.meta.url, file: basename(new URL(import.meta.url).pathname) }) + '\\n');
  process.exitCode = 3;
}
`;

function run(...args: string[]) {
  return spawnSync(process.execPath, [join(dir, 'out/tool.mjs'), ...args], { encoding: 'utf8' });
}

function bundle(out: string, ...options: string[]) {
  return spawnSync(process.execPath, [bundler, join(dir, 'entry.js'), join(dir, out), '--code-cache', ...options], { encoding: 'utf8', env: { ...process.env, TOOL_RECORD: join(dir, `${out}.args`) } });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ce-bundle-'));
  writeFileSync(join(dir, 'entry.js'), entry);
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const built = bundle('out/tool.mjs');
  expect(built.stderr).toBe('');
  expect(built.status).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tools/bundle.mjs --code-cache', () => {
  it('writes the CommonJS bundle, its CommonJS loader, an ES module entry and a code cache that V8 accepts', () => {
    expect(existsSync(join(dir, 'out/tool.cjs'))).toBe(true);
    expect(readFileSync(join(dir, 'out/tool-main.cjs'), 'utf8')).toContain("join(__dirname, 'tool.cjs')");
    expect(readFileSync(join(dir, 'out/tool.mjs'), 'utf8')).toContain("import './tool-main.cjs';");
    // Compiled the way the loader compiles it (tools/lib/code-cache-loader.cjs).
    const source = readFileSync(join(dir, 'out/tool.cjs'), 'utf8').replace(/^#!.*/, '');
    const script = new Script(Module.wrap(source), { cachedData: readFileSync(join(dir, 'out/tool.cjs.cache')) });
    expect(script.cachedDataRejected).toBe(false);
  });

  it('runs the bundle with its arguments, import.meta.url and exit code', () => {
    const r = run('a', '--b');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({ args: ['a', '--b'], url: pathToFileURL(join(dir, 'out/tool.cjs')).href, file: 'tool.cjs' });
    expect(run('--help')).toMatchObject({ status: 0, stdout: 'usage: tool [ARG]...\n', stderr: '' });
    // What a CommonJS bin requires: the loader alone, without Node's ES module loader.
    const direct = spawnSync(process.execPath, [join(dir, 'out/tool-main.cjs'), 'c'], { encoding: 'utf8' });
    expect(direct.status).toBe(3);
    expect(JSON.parse(direct.stdout).args).toEqual(['c']);
  });

  it('trains with the --train arguments, {absent-socket} replaced, and checks their exit status', () => {
    const trained = bundle('out/trained.mjs', '--train', 'run -H {absent-socket} x', '--train-status', '3');
    expect(trained).toMatchObject({ status: 0, stderr: '' });
    const args = JSON.parse(readFileSync(join(dir, 'out/trained.mjs.args'), 'utf8')) as string[];
    expect(args[0]).toBe('run');
    expect(args[2]).toMatch(/^unix:\/\/\/.+\/absent\.sock$/);
    expect(existsSync(args[2].slice('unix://'.length))).toBe(false);
    expect(existsSync(join(args[2].slice('unix://'.length), '..'))).toBe(false); // its scratch folder is gone
    expect(args.slice(3)).toEqual(['x']);
    expect(existsSync(join(dir, 'out/trained.cjs.cache'))).toBe(true);

    const wrong = bundle('out/untrained.mjs', '--train', 'x');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('exited 3, not 0');
  });

  it('bundles the target of --alias wherever the aliased package is imported', () => {
    writeFileSync(join(dir, 'uses-alias.js'), "import { who } from 'no-such-package';\nprocess.stdout.write(who());\n");
    writeFileSync(join(dir, 'stand-in.js'), "export const who = () => 'stand-in';\n");
    const built = spawnSync(process.execPath, [bundler, join(dir, 'uses-alias.js'), join(dir, 'out/alias.mjs'), '--alias', `no-such-package=${join(dir, 'stand-in.js')}`], { encoding: 'utf8' });
    expect(built.stderr).toBe('');
    expect(spawnSync(process.execPath, [join(dir, 'out/alias.mjs')], { encoding: 'utf8' })).toMatchObject({ status: 0, stdout: 'stand-in' });
  });

  it('still runs when the cache no longer matches the bundle', () => {
    appendFileSync(join(dir, 'out/tool.cjs'), '\n// edited after the build\n');
    const source = readFileSync(join(dir, 'out/tool.cjs'), 'utf8').replace(/^#!.*/, '');
    expect(new Script(Module.wrap(source), { cachedData: readFileSync(join(dir, 'out/tool.cjs.cache')) }).cachedDataRejected).toBe(true);
    const r = run('x');
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout).args).toEqual(['x']);
  });
});
