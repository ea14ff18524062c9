import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ComposeError } from '../../../src/compose/compose-error.js';
import { interpolateString, MissingRequiredVariable } from '../../../src/compose/interpolate.js';
import { loadProject } from '../../../src/compose/load-project.js';
import { normalizeProjectName } from '../../../src/compose/project-files.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ce-compose-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function files(entries: Record<string, string>, under = 'My-App.1'): string {
  const folder = join(dir, under);
  mkdirSync(folder, { recursive: true });
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(folder, name), text);
  return folder;
}

const load = (folder: string, options: Parameters<typeof loadProject>[0] = {}, env: NodeJS.ProcessEnv = {}) => loadProject(options, folder, env);

function failure(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ComposeError);
    return (err as Error).message;
  }
  throw new Error('expected a ComposeError');
}

describe('the project name and files', () => {
  it('defaults to the folder name, lowercased and cut to [a-z0-9_-]; -p and COMPOSE_PROJECT_NAME win', () => {
    const folder = files({ 'docker-compose.yml': 'services:\n  web:\n    image: busybox\n' });
    expect(load(folder).name).toBe('my-app1');
    expect(load(folder, {}, { COMPOSE_PROJECT_NAME: 'From_Env' }).name).toBe('from_env');
    expect(load(folder, { projectName: 'Given' }, { COMPOSE_PROJECT_NAME: 'x' }).name).toBe('given');
    expect(normalizeProjectName('!!!')).toBe('default');
  });

  it('finds docker-compose.yml in a parent folder, with its override file', () => {
    const folder = files({
      'docker-compose.yml': 'services:\n  web:\n    image: busybox\n    environment: [A=1]\n',
      'docker-compose.override.yml': 'services:\n  web:\n    environment: {B: "2"}\n',
    });
    mkdirSync(join(folder, 'sub'));
    const project = load(join(folder, 'sub'));
    expect(project.workingDir).toBe(folder);
    expect(project.configFiles).toEqual([join(folder, 'docker-compose.yml'), join(folder, 'docker-compose.override.yml')]);
    expect(project.services[0]!.environment).toEqual({ A: '1', B: '2' });
  });

  it('says so when there is no file, and names a missing -f file', () => {
    expect(failure(() => load(files({})))).toContain("Can't find a suitable configuration file in this directory or any\n        parent.");
    const folder = files({});
    expect(failure(() => load(folder, { file: ['nope.yml'] }))).toBe(".FileNotFoundError: [Errno 2] No such file or directory: './nope.yml'");
  });

  it('reads COMPOSE_FILE, separated by the path separator', () => {
    const folder = files({ 'a.yml': 'services:\n  a:\n    image: busybox\n', 'b.yml': 'services:\n  b:\n    image: busybox\n' });
    expect(load(folder, {}, { COMPOSE_FILE: 'a.yml:b.yml' }).services.map((s) => s.name)).toEqual(['a', 'b']);
  });
});

describe('interpolation', () => {
  it('reads the process environment over the .env file, with defaults, required values and $$', () => {
    const folder = files({
      '.env': 'TAG=1.36\nPORT=8080\n# comment\nEMPTY=\n',
      'docker-compose.yml': [
        'services:',
        '  web:',
        '    image: busybox:${TAG}',
        '    ports: ["127.0.0.1:$PORT:80"]',
        '    environment:',
        '      A: ${UNSET-dflt}/${EMPTY-kept}/${EMPTY:-dflt}/${UNSET:-x}',
        '      B: $$HOME',
        '      C: ${PORT:?needed}',
      ].join('\n'),
    });
    const [web] = load(folder, {}, { PORT: '9090' }).services;
    expect(web!.image).toBe('busybox:1.36');
    expect(web!.ports).toEqual([{ target: 80, published: '9090', host_ip: '127.0.0.1' }]);
    expect(web!.environment).toEqual({ A: 'dflt//dflt/x', B: '$HOME', C: '9090' });
  });

  it("names the option and the service of a missing required variable or a bad format, as docker-compose does", () => {
    const missing = files({ 'docker-compose.yml': 'services:\n  web:\n    image: ${IMG:?need an image}\n' }, 'a');
    expect(failure(() => load(missing))).toBe('Missing mandatory value for "image" option interpolating ${IMG:?need an image} in service "web": need an image');
    const empty = files({ 'docker-compose.yml': 'services:\n  web:\n    image: busybox\nvolumes:\n  v:\n    name: ${V?no V}\n' }, 'b');
    expect(load(empty, {}, { V: 'named' }).volumes.v!.name).toBe('named');
    expect(interpolateString('[${E?x}][${E-d}][${E:-d}]', (n) => ({ E: '' })[n])).toBe('[][][d]');
    expect(() => interpolateString('${E:?empty}', (n) => ({ E: '' })[n])).toThrow(MissingRequiredVariable);
    expect(failure(() => load(empty))).toBe('Missing mandatory value for "name" option interpolating ${V?no V} in volume "v": no V');
    const bad = files({ 'docker-compose.yml': 'services:\n  web:\n    image: ${IMG\n' }, 'c');
    expect(failure(() => load(bad))).toBe('Invalid interpolation format for "image" option in service "web": "${IMG"');
  });
});

describe('env_file and environment', () => {
  it('reads env files (export, quotes, comments, bare keys), environment as a list or a map winning over them', () => {
    const folder = files({
      'web.env': '# c\nA=1\nexport B="two words\\n"\nC\nD=\'single $x\'\nE=value # comment\n',
      'docker-compose.yml': 'services:\n  web:\n    image: busybox\n    env_file: web.env\n    environment:\n      - E=override\n      - F\n',
    });
    const [web] = load(folder).services;
    expect(web!.environment).toEqual({ A: '1', B: 'two words\n', C: null, D: 'single $x', E: 'override', F: null });
  });

  it('names a missing env file', () => {
    const folder = files({ 'docker-compose.yml': 'services:\n  web:\n    image: busybox\n    env_file: [missing.env]\n' });
    expect(failure(() => load(folder))).toBe("Couldn't find env file: missing.env");
  });
});

describe('merging -f files', () => {
  it('merges mappings, replaces command and scalars, joins ports and merges volumes by target', () => {
    const folder = files({
      'base.yml': [
        'services:',
        '  web:',
        '    image: busybox',
        '    command: [httpd, -f]',
        '    labels: {a: "1"}',
        '    ports: ["80"]',
        '    dns: [1.1.1.1]',
        '    volumes: ["data:/data", "./www:/www:ro"]',
        '    healthcheck: {test: ["CMD", "true"], interval: 5s}',
        'volumes:',
        '  data: {}',
      ].join('\n'),
      'override.yml': [
        'services:',
        '  web:',
        '    image: busybox:1.36',
        '    command: sleep 1',
        '    labels: [b=2]',
        '    ports: ["80", "127.0.0.1:81:81/udp"]',
        '    dns: 8.8.8.8',
        '    volumes: ["./other:/www"]',
        '    healthcheck: {interval: 1s}',
      ].join('\n'),
    });
    const [web] = load(folder, { file: ['base.yml', 'override.yml'] }).services;
    expect(web).toMatchObject({
      image: 'busybox:1.36',
      command: 'sleep 1',
      labels: { a: '1', b: '2' },
      ports: [{ target: 80 }, { target: 81, published: '81', host_ip: '127.0.0.1', protocol: 'udp' }],
      dns: ['1.1.1.1', '8.8.8.8'],
      volumes: [
        { type: 'volume', source: 'data', target: '/data' },
        { type: 'bind', source: join(folder, 'other'), target: '/www' },
      ],
      healthcheck: { test: ['CMD', 'true'], interval: '1s' },
    });
  });
});

describe('short and long syntax', () => {
  it('reads ports, volumes, depends_on and networks in either form', () => {
    const folder = files({
      'docker-compose.yml': [
        'services:',
        '  web:',
        '    image: busybox',
        '    ports:',
        '      - 8000-8001:80-81',
        '      - {target: 90, published: 9090, host_ip: 127.0.0.1, protocol: tcp}',
        '    volumes:',
        '      - /anon',
        '      - type: bind',
        '        source: ./site',
        '        target: /site',
        '        read_only: true',
        '      - {type: tmpfs, target: /run, tmpfs: {size: 1000}}',
        '    networks:',
        '      back: {aliases: [www]}',
        '  client:',
        '    image: busybox',
        '    depends_on: [web]',
        '    networks: [back]',
        '  other:',
        '    image: busybox',
        '    depends_on: {web: {condition: service_healthy}}',
        'networks:',
        '  back:',
      ].join('\n'),
    });
    const project = load(folder);
    const [web, client, other] = project.services;
    expect(web!.ports).toEqual([
      { target: 80, published: '8000' },
      { target: 81, published: '8001' },
      { target: 90, published: '9090', host_ip: '127.0.0.1', protocol: 'tcp' },
    ]);
    expect(web!.volumes).toEqual([
      { type: 'volume', target: '/anon' },
      { type: 'bind', source: join(folder, 'site'), target: '/site', read_only: true },
      { type: 'tmpfs', target: '/run', tmpfs: { size: 1000 } },
    ]);
    expect(web!.networks).toEqual({ back: { aliases: ['www'] } });
    expect(client!.depends_on).toEqual({ web: { condition: 'service_started' } });
    expect(other!.depends_on).toEqual({ web: { condition: 'service_healthy' } });
    expect(other!.networks).toEqual({ default: null });
    expect(project.networks).toMatchObject({ back: { name: 'my-app1_back', external: false }, default: { name: 'my-app1_default' } });
  });

  it('honours external volumes and networks and given names', () => {
    const folder = files({
      'docker-compose.yml': 'services:\n  web:\n    image: busybox\n    volumes: [a:/a, b:/b, c:/c]\nvolumes:\n  a:\n  b: {external: true}\n  c: {name: given}\nnetworks:\n  default: {name: shared, external: true}\n',
    });
    const project = load(folder);
    expect(project.volumes).toMatchObject({ a: { name: 'my-app1_a', external: false }, b: { name: 'b', external: true }, c: { name: 'given', external: false } });
    expect(project.networks.default).toMatchObject({ name: 'shared', external: true });
  });
});

describe('errors with paths', () => {
  const invalid = (yaml: string) => failure(() => load(files({ 'docker-compose.yml': yaml }, `f${Math.random().toString(16).slice(2)}`)));

  it("words the schema's complaints as docker-compose 1.29 does", () => {
    const head = "The Compose file './docker-compose.yml' is invalid because:\n";
    expect(invalid('services:\n  web:\n    image: busybox\n    foo: bar\n')).toBe(`${head}Unsupported config option for services.web: 'foo'`);
    expect(invalid('services:\n  web:\n    image: busybox\n    workdir: /x\n')).toBe(`${head}Unsupported config option for services.web: 'workdir' (did you mean 'working_dir'?)`);
    expect(invalid('services:\n  web:\n    image: busybox\n    ports: "80"\n')).toBe(`${head}services.web.ports contains an invalid type, it should be an array`);
    expect(invalid('services:\n  web:\n    image: busybox\n    healthcheck:\n      bogus: 1\n')).toBe(`${head}services.web.healthcheck value 'bogus' does not match any of the regexes: '^x-'`);
    expect(invalid('foo: 1\nservices:\n  web:\n    image: busybox\n')).toMatch(new RegExp(`^${head}'foo' does not match any of the regexes: '\\^x-'\n\nYou might be seeing this error`));
  });

  it('names the file and line of a YAML error', () => {
    expect(invalid('services:\n  web:\n    image: busybox\n   ports: [1]\n')).toMatch(/^yaml\.parser\.ParserError: .+\n {2}in "\.\/docker-compose\.yml", line 4, column \d+$/);
  });

  it('checks what one part of the file names of another', () => {
    expect(invalid('services:\n  web:\n    image: busybox\n    depends_on: [db]\n')).toBe("Service 'web' depends on service 'db' which is undefined.");
    expect(invalid('services:\n  web:\n    image: busybox\n    networks: [back]\n')).toBe('Service "web" uses an undefined network "back"');
    expect(invalid('services:\n  web:\n    image: busybox\n    volumes: ["data:/data"]\n')).toBe(
      'Named volume "data:/data:rw" is used in service "web" but no declaration was found in the volumes section.',
    );
    expect(invalid('services:\n  web:\n    environment: [A=1]\n')).toBe('Service web has neither an image nor a build context specified. At least one must be provided.');
  });
});

describe('what `config` prints of the project', () => {
  it("takes the file's version, or 3.9 as docker-compose 1.29 does; leaves out the default network nobody named; resolves a bare variable", async () => {
    const { configDocument } = await import('../../../src/compose/config-document.js');
    const { serviceConfigHash } = await import('../../../src/compose/config-hash.js');
    const plain = load(files({ 'docker-compose.yml': 'services:\n  a:\n    image: busybox\n    environment: [SET, UNSET]\n  b:\n    image: busybox\n    networks: [default]\n' }), {}, { SET: 'yes' });
    expect(plain.version).toBe('3.9');
    const doc = configDocument(plain) as { services: Record<string, Record<string, unknown>>; version: string };
    expect(doc.version).toBe('3.9');
    expect(doc.services.a).not.toHaveProperty('networks');
    expect(doc.services.a!.environment).toEqual({ SET: 'yes', UNSET: null });
    expect(doc.services.b!.networks).toEqual({ default: null });
    // Whether the file named the default network changes nothing a container gets.
    const [a, b] = plain.services;
    expect(serviceConfigHash({ ...a!, defaultNetworkImplied: undefined }, plain, 'sha256:x')).toBe(serviceConfigHash(a!, plain, 'sha256:x'));
    expect(b!.defaultNetworkImplied).toBeUndefined();
    const versioned = load(files({ 'docker-compose.yml': 'version: "2.4"\nservices:\n  a:\n    image: busybox\n' }, 'v'));
    expect(versioned.version).toBe('2.4');
  });
});
