import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SupervisorApi } from '@ce/supervisor';
import { ContainerService, type ContainerImages } from '../../src/containers/container-service.js';
import { ContainerStore } from '../../src/containers/container-store.js';
import { createOptionsFromRequest } from '../../src/containers/create-request.js';
import { exitedState, mergeContainerConfig, mergeHostConfig, runningState, toContainerJSON, withStatus, ZERO_TIME } from '../../src/containers/model/index.js';
import { migrateV1, type RecordV1 } from '../../src/containers/model/migrate.js';
import { testRecord } from '../support/record.js';

const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, '../fixtures', name), 'utf8'))[0];
const dockerCreated = fixture('docker-20.10-inspect-created.json');

describe("the container model is Docker's", () => {
  it('has the fields of Docker 20.10 inspect, in its order', () => {
    const json = toContainerJSON(testRecord());
    expect(Object.keys(json)).toEqual(Object.keys(dockerCreated));
    expect(Object.keys(json.State)).toEqual(Object.keys(dockerCreated.State));
    expect(Object.keys(json.NetworkSettings)).toEqual(Object.keys(dockerCreated.NetworkSettings));
    // Docker adds Init only when --init was given; everything else is there from create on.
    expect(Object.keys(json.HostConfig)).toEqual(Object.keys(dockerCreated.HostConfig).filter((k) => k !== 'Init'));
    const config = toContainerJSON(testRecord({ config: { AttachStdin: true } })).Config;
    expect(Object.keys(config)).toEqual(Object.keys(dockerCreated.Config));
  });

  it("keeps ced's own fields out of inspect", () => {
    const json = toContainerJSON({ ...testRecord(), HasBeenManuallyStopped: true });
    expect(json).not.toHaveProperty('SchemaVersion');
    expect(json).not.toHaveProperty('HasBeenManuallyStopped');
  });

  it("merges the image's config as docker create does", () => {
    const image = { Env: ['PATH=/img', 'A=image'], Cmd: ['sh'], Entrypoint: ['/init'], WorkingDir: '/w', User: 'daemon', Labels: { a: '1', b: '1' }, StopSignal: 'SIGQUIT' };
    const merged = mergeContainerConfig('f'.repeat(64), { Image: 'img', Env: ['A=user', 'B=2'], Labels: { b: '2' } }, image);
    expect(merged).toMatchObject({
      Hostname: 'ffffffffffff',
      Env: ['A=user', 'B=2', 'PATH=/img'],
      Cmd: ['sh'],
      Entrypoint: ['/init'],
      WorkingDir: '/w',
      User: 'daemon',
      Labels: { a: '1', b: '2' },
      StopSignal: 'SIGQUIT',
      Image: 'img',
    });
    // An entrypoint given drops the image's command; a command given keeps the image's entrypoint.
    expect(mergeContainerConfig('f'.repeat(64), { Image: 'img', Entrypoint: ['top'] }, image)).toMatchObject({ Entrypoint: ['top'], Cmd: null });
    expect(mergeContainerConfig('f'.repeat(64), { Image: 'img', Cmd: ['ls'] }, image)).toMatchObject({ Entrypoint: ['/init'], Cmd: ['ls'] });
    expect(mergeContainerConfig('f'.repeat(64), { Image: 'img' }, {})).toMatchObject({ Env: null, Labels: {}, WorkingDir: '', User: '' });
  });

  it("fills Docker's HostConfig defaults and refuses wrong JSON types by name", () => {
    const hc = mergeHostConfig({ Memory: 64 << 20, AutoRemove: true });
    expect(hc).toMatchObject({ Memory: 64 << 20, AutoRemove: true, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, LogConfig: { Type: 'json-file', Config: {} }, ShmSize: 67108864 });
    expect(mergeHostConfig({ Privileged: true })).toMatchObject({ MaskedPaths: null, ReadonlyPaths: null });
    expect(() => mergeHostConfig({ CapAdd: 'ALL' as unknown as string[] })).toThrow('HostConfig.CapAdd must be a list of strings');
  });

  it("keeps State's booleans in step with its status, and Docker's zero times", () => {
    const created = testRecord().State;
    expect(created).toMatchObject({ Status: 'created', Running: false, StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME });
    const running = runningState(created, 42, new Date('2026-01-01T00:00:00Z'));
    expect(running).toMatchObject({ Status: 'running', Running: true, Pid: 42, StartedAt: '2026-01-01T00:00:00.000Z', FinishedAt: ZERO_TIME });
    expect(withStatus(running, 'paused')).toMatchObject({ Running: true, Paused: true });
    const exited = exitedState(running, { exitCode: 3, finishedAt: new Date('2026-01-01T00:00:01Z'), oomKilled: true });
    expect(exited).toMatchObject({ Status: 'exited', Running: false, Pid: 0, ExitCode: 3, OOMKilled: true, StartedAt: running.StartedAt });
    expect(withStatus(exited, 'dead')).toMatchObject({ Dead: true, Running: false });
  });

  it('takes the typed create fields over the JSON ones, and refuses JSON that is not an object', () => {
    const base = { name: '', image: 'img', env: [], workingDir: '', user: '', hostname: '', autoRemove: true, tty: false, openStdin: false, labels: {}, privileged: false, capAdd: [], capDrop: [], securityOpt: [], stopSignal: '' };
    const o = createOptionsFromRequest({ ...base, configJson: '{"User":"json","WorkingDir":"/j"}', hostConfigJson: '{"Memory":1048576,"AutoRemove":false}' });
    expect(o.config).toMatchObject({ Image: 'img', User: 'json', WorkingDir: '/j' });
    expect(o.hostConfig).toMatchObject({ Memory: 1048576, AutoRemove: true });
    expect(() => createOptionsFromRequest({ ...base, configJson: '[1]', hostConfigJson: '' })).toThrow('config_json must be a JSON object');
    expect(() => createOptionsFromRequest({ ...base, configJson: '', hostConfigJson: '{' })).toThrow(/host_config_json is not valid JSON/);
    const endpoints = { EndpointsConfig: { n1: { Aliases: ['db'], IPAMConfig: { IPv4Address: '10.1.0.9' } } } };
    expect(createOptionsFromRequest({ ...base, configJson: '', hostConfigJson: '', networkingConfigJson: JSON.stringify(endpoints) }).networkingConfig).toEqual(endpoints);
    expect(createOptionsFromRequest({ ...base, configJson: '', hostConfigJson: '', networkingConfigJson: '' }).networkingConfig).toBeUndefined();
  });
});

describe('records of schema 1', () => {
  const v1: RecordV1 = {
    id: 'b'.repeat(64),
    name: 'old',
    image: 'busybox',
    imageId: 'sha256:y',
    createdAt: '2026-01-01T00:00:00.000Z',
    config: { env: ['A=1'], workingDir: '/w', user: '1', hostname: 'h', autoRemove: true, tty: false, openStdin: false, labels: { l: 'v' }, stopSignal: 'SIGINT', stopTimeout: 3 },
    hostConfig: { privileged: false, capAdd: ['NET_ADMIN'], capDrop: [], securityOpt: [] },
    pathAndArgs: ['sleep', '9'],
    state: { status: 'exited', pid: 0, exitCode: 7, startedAt: '2026-01-01T00:00:01.000Z', finishedAt: '2026-01-01T00:00:02.000Z' },
  };

  it('become Docker records with the same meaning', () => {
    const r = migrateV1(v1, { Env: ['PATH=/bin'] }, '/log');
    expect(r).toMatchObject({
      SchemaVersion: 2,
      Id: v1.id,
      Name: '/old',
      Path: 'sleep',
      Args: ['9'],
      Image: 'sha256:y',
      LogPath: '/log',
      State: { Status: 'exited', ExitCode: 7, StartedAt: '2026-01-01T00:00:01.000Z', FinishedAt: '2026-01-01T00:00:02.000Z', Running: false },
      Config: { Image: 'busybox', Env: ['A=1', 'PATH=/bin'], WorkingDir: '/w', User: '1', Hostname: 'h', Labels: { l: 'v' }, StopSignal: 'SIGINT', StopTimeout: 3 },
      HostConfig: { AutoRemove: true, CapAdd: ['NET_ADMIN'], CapDrop: null },
    });
  });

  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('are rewritten on disk when ced loads them; a record of a newer schema is reported, not touched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ce-api-test-'));
    dirs.push(dir);
    const containers = join(dir, 'containers');
    mkdirSync(join(containers, v1.id), { recursive: true });
    writeFileSync(join(containers, v1.id, 'config.json'), JSON.stringify(v1));
    mkdirSync(join(containers, 'future'));
    writeFileSync(join(containers, 'future', 'config.json'), JSON.stringify({ SchemaVersion: 99 }));
    const images = { get: async () => ({ id: 'sha256:y', name: 'busybox', config: { config: { Env: ['PATH=/bin'] } } }) } as unknown as ContainerImages;
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    const svc = new ContainerService(new ContainerStore(containers), images, {} as SupervisorApi, join(dir, 'tasks'), silent);
    const loaded = await svc.load();
    expect(loaded.records.map((r) => r.Id)).toEqual([v1.id]);
    expect(loaded.problems).toEqual([{ id: 'future', error: 'record schema 99 is newer than this ced knows' }]);
    expect(svc.inspect('old').Config.Env).toEqual(['A=1', 'PATH=/bin']);
    expect(JSON.parse(readFileSync(join(containers, v1.id, 'config.json'), 'utf8'))).toMatchObject({ SchemaVersion: 2, Name: '/old' });
    expect(JSON.parse(readFileSync(join(containers, 'future', 'config.json'), 'utf8'))).toEqual({ SchemaVersion: 99 });
  });
});
