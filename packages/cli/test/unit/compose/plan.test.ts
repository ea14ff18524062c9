import { describe, expect, it } from 'vitest';
import type { Container } from '@ce/protocol/gen/ce/api/v1/containers';
import { serviceConfigHash } from '../../../src/compose/config-hash.js';
import { containerRequest } from '../../../src/compose/container-request.js';
import type { ComposeProject, ServiceConfig } from '../../../src/compose/model.js';
import { orphans, planService } from '../../../src/compose/plan.js';
import type { ProjectContainer } from '../../../src/compose/project-state.js';
import { startOrder, withDependencies } from '../../../src/compose/start-order.js';
import { shellWords } from '../../../src/compose/shell-words.js';
import { textTable } from '../../../src/compose/ps-table.js';

function service(name: string, fields: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    name, image: 'busybox', environment: {}, ports: [], expose: [], volumes: [], networks: { default: null }, depends_on: {}, labels: {},
    cap_add: [], cap_drop: [], extra_hosts: [], dns: [], dns_search: [], tmpfs: [], security_opt: [], sysctls: {}, other: {}, ...fields,
  };
}

function project(services: ServiceConfig[]): ComposeProject {
  return {
    name: 'app', workingDir: '/srv/app', configFiles: ['/srv/app/docker-compose.yml'], services,
    volumes: { data: { name: 'app_data', external: false, driver_opts: {}, labels: {} } },
    networks: {
      default: { name: 'app_default', external: false, driver_opts: {}, labels: {} },
      back: { name: 'app_back', external: false, driver_opts: {}, labels: {} },
    },
    environment: { FROM_HOST: 'host value' },
  };
}

const existing = (service: string, number: number, configHash: string, running: boolean, oneoff = false): ProjectContainer => ({
  id: `${service}${number}`, name: `app_${service}_${number}`, service, number, oneoff, configHash, running, container: {} as Container,
});

describe('start order', () => {
  it('starts each service after what it depends on, and refuses a cycle', () => {
    const services = [service('client', { depends_on: { web: { condition: 'service_healthy' } } }), service('web', { depends_on: { db: { condition: 'service_started' } } }), service('db')];
    expect(startOrder(services).map((s) => s.name)).toEqual(['db', 'web', 'client']);
    expect(withDependencies(services, ['web']).map((s) => s.name)).toEqual(['web', 'db']);
    expect(withDependencies(services, ['web'], true).map((s) => s.name)).toEqual(['web']);
    expect(() => withDependencies(services, ['nope'])).toThrow('No such service: nope');
    const cycle = [service('a', { depends_on: { b: { condition: 'service_started' } } }), service('b', { depends_on: { a: { condition: 'service_started' } } })];
    expect(() => startOrder(cycle)).toThrow('Circular dependency between a and b and a');
  });
});

describe('the plan', () => {
  it('creates, keeps, starts or recreates by the config hash, and finds orphans', () => {
    expect(planService('web', 'h1', [])).toEqual([{ kind: 'create', number: 1 }]);
    const running = existing('web', 1, 'h1', true);
    expect(planService('web', 'h1', [running])).toEqual([{ kind: 'keep', container: running }]);
    expect(planService('web', 'h1', [running], { forceRecreate: true })).toEqual([{ kind: 'recreate', container: running }]);
    expect(planService('web', 'h2', [running])).toEqual([{ kind: 'recreate', container: running }]);
    expect(planService('web', 'h2', [running], { noRecreate: true })).toEqual([{ kind: 'keep', container: running }]);
    const stopped = existing('web', 1, 'h1', false);
    expect(planService('web', 'h1', [stopped, existing('web', 9, 'h1', false, true)])).toEqual([{ kind: 'start', container: stopped }]);
    expect(orphans([running, existing('old', 1, 'x', true), existing('old', 2, 'x', false, true)], ['web']).map((c) => c.name)).toEqual(['app_old_1']);
  });

  it('hashes what the service asks for, not the order of its keys', () => {
    const p = project([]);
    const a = service('web', { labels: { a: '1', b: '2' } });
    const b = service('web', { labels: { b: '2', a: '1' } });
    expect(serviceConfigHash(a, p, 'sha256:1')).toBe(serviceConfigHash(b, p, 'sha256:1'));
    expect(serviceConfigHash(a, p, 'sha256:1')).not.toBe(serviceConfigHash(a, p, 'sha256:2'));
    expect(serviceConfigHash(a, p, 'sha256:1')).not.toBe(serviceConfigHash(service('web', { command: 'true' }), p, 'sha256:1'));
  });
});

describe('the container request', () => {
  it('is what docker-compose sends: one network at create, the others joined after, aliases with the service name', () => {
    const web = service('web', {
      command: 'sh -c "echo hi; sleep 1"',
      environment: { A: '1', FROM_HOST: null, UNSET: null },
      ports: [{ target: 80, published: '8080', host_ip: '127.0.0.1' }, { target: 53, protocol: 'udp' }],
      volumes: [{ type: 'volume', source: 'data', target: '/data' }, { type: 'bind', source: '/srv/app/www', target: '/www', read_only: true }, { type: 'volume', target: '/anon' }],
      networks: { default: null, back: { aliases: ['www'] } },
      healthcheck: { test: 'nc -z 127.0.0.1 80', interval: '1m30s', retries: 3 },
      restart: 'on-failure:2',
      stop_grace_period: '1m',
      extra_hosts: ['db:10.0.0.1'],
    });
    const plan = containerRequest(web, project([web]), { name: 'app_web_1', labels: { l: 'v' } });
    expect(plan.request).toMatchObject({
      name: 'app_web_1',
      cmd: { values: ['sh', '-c', 'echo hi; sleep 1'] },
      env: ['A=1', 'FROM_HOST=host value'],
      labels: { l: 'v' },
      stopTimeout: 60,
    });
    expect(JSON.parse(plan.request.configJson)).toEqual({
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Volumes: { '/anon': {} },
      Healthcheck: { Test: ['CMD-SHELL', 'nc -z 127.0.0.1 80'], Interval: 90e9, Retries: 3 },
    });
    expect(JSON.parse(plan.request.hostConfigJson)).toEqual({
      PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': [{ HostIp: '', HostPort: '' }] },
      Binds: ['app_data:/data:rw', '/srv/app/www:/www:ro'],
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 },
      ExtraHosts: ['db:10.0.0.1'],
      NetworkMode: 'app_default',
    });
    expect(JSON.parse(plan.request.networkingConfigJson)).toEqual({ EndpointsConfig: { app_default: { Aliases: ['web'] } } });
    expect(plan.extraNetworks).toEqual([{ network: 'app_back', endpoint: { aliases: ['web', 'www'], ipv4Address: '', links: [] } }]);
  });

  it("leaves run's ports out unless asked", () => {
    const web = service('web', { ports: [{ target: 80, published: '8080' }] });
    expect(JSON.parse(containerRequest(web, project([web]), { name: 'x', labels: {}, publishPorts: false }).request.hostConfigJson).PortBindings).toBeUndefined();
  });
});

describe('helpers', () => {
  it("splits a command string as Python's shlex does", () => {
    expect(shellWords(`sh -c 'echo "a b"' "x\\"y" z\\ w`)).toEqual(['sh', '-c', 'echo "a b"', 'x"y', 'z w']);
    expect(() => shellWords('echo "open')).toThrow('No closing quotation');
  });

  it("draws docker-compose's ps table", () => {
    // As docker-compose 1.29 printed them (recorded against dockerd).
    expect(textTable(['Name', 'Command', 'State', 'Ports'], []).split('\n')).toEqual(['Name   Command   State   Ports', '------------------------------']);
    expect(textTable(['Name', 'Command', 'State', 'Ports'], [['proj_dep_1', 'sleep 300', 'Up', ''], ['proj_longer_name_1', 'sh -c echo hello; echo the ...', 'Exit 3', '']]).split('\n')).toEqual([
      '       Name                     Command               State    Ports',
      '--------------------------------------------------------------------',
      'proj_dep_1           sleep 300                        Up            ',
      'proj_longer_name_1   sh -c echo hello; echo the ...   Exit 3        ',
    ]);
  });
});
