import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dockerfilePath, unsupportedBuildOptions } from '../../../src/compose/build-config.js';
import { loadProject } from '../../../src/compose/load-project.js';
import { serviceImage } from '../../../src/compose/naming.js';
import { serviceBuildArgs } from '../../../src/compose/service-build.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ce-compose-build-unit-'));
  mkdirSync(join(dir, 'app'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function load(yaml: string, env: NodeJS.ProcessEnv = {}, override?: string) {
  writeFileSync(join(dir, 'docker-compose.yml'), yaml);
  const files = ['docker-compose.yml'];
  if (override) {
    writeFileSync(join(dir, 'override.yml'), override);
    files.push('override.yml');
  }
  return loadProject({ file: files.map((f) => join(dir, f)), projectName: 'proj' }, dir, env);
}

describe("a service's build section", () => {
  it('takes a string as the context, resolved against the project folder', () => {
    const [web] = load('services:\n  web:\n    build: ./app\n').services;
    expect(web!.build).toEqual({ context: join(dir, 'app') });
    expect(serviceImage('proj', web!)).toBe('proj_web');
  });

  it('takes the long form: args as a list or a mapping (interpolated; a name alone takes the environment, else empty), labels, target, dockerfile relative to the context', () => {
    const yaml = 'services:\n  web:\n    image: mine:1\n    build:\n      context: app\n      dockerfile: Dockerfile.dev\n      target: final\n      args: ["A=${X}", B]\n      labels: {l: "1"}\n';
    const [web] = load(yaml, { X: 'from-env' }).services;
    expect(web!.build).toEqual({ context: join(dir, 'app'), dockerfile: 'Dockerfile.dev', target: 'final', args: { A: 'from-env', B: '' }, labels: { l: '1' } });
    expect(dockerfilePath(web!.build!)).toBe(join(dir, 'app', 'Dockerfile.dev'));
    expect(serviceImage('proj', web!)).toBe('mine:1');
    expect(load('services:\n  web:\n    build:\n      context: app\n      args: {A: 1, B: null}\n', { B: 'b' }).services[0]!.build!.args).toEqual({ A: '1', B: 'b' });
  });

  it('merges across files key by key', () => {
    const project = load('services:\n  web:\n    build:\n      context: app\n      args: {A: "1", B: "2"}\n', {}, 'services:\n  web:\n    build:\n      args: {B: "3"}\n      target: t\n');
    expect(project.services[0]!.build).toEqual({ context: join(dir, 'app'), args: { A: '1', B: '3' }, target: 't' });
  });

  it('refuses a missing context at load, and names the options ce build does not take', () => {
    expect(() => load('services:\n  web:\n    build: ./nope\n')).toThrow(`build path ${join(dir, 'nope')} either does not exist, is not accessible, or is not a valid URL.`);
    const [web] = load('services:\n  web:\n    build:\n      context: .\n      cache_from: [x]\n      shm_size: 1g\n      isolation: default\n').services;
    expect(unsupportedBuildOptions(web!.build!)).toEqual(['shm_size', 'isolation']);
  });

  it('1.29 strips leading _ and - of the project name in the image name', () => {
    expect(serviceImage('_-proj', { name: 'web' })).toBe('proj_web');
  });
});

describe('build args', () => {
  it('--build-arg goes over the file; a name without a value takes the environment, else stays unset', () => {
    expect(serviceBuildArgs({ A: '1', B: null, C: null }, ['A=2', 'D', 'E'], { B: 'env-b', D: 'env-d' })).toEqual({
      set: { A: '2', B: 'env-b', D: 'env-d' },
      unset: ['C', 'E'],
    });
  });
});
