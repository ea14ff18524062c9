import { describe, expect, it } from 'vitest';
import { configFromFlags, withDaemonJson, mergeDaemonJson, parseCedArgs } from '../../src/daemon-options.js';
import { reloadConfig } from '../../src/reload.js';
import { socketGroupId } from '../../src/socket-group.js';
import { withDefaultUlimits } from '../../src/containers/resource-options.js';
import { RuntimeTable } from '../../src/containers/runtimes.js';

const FILE = '/etc/ce/daemon.json';
const flags = (...args: string[]) => parseCedArgs(args).flags;
const fromFile = (json: object, args: string[] = []) => configFromFlags(mergeDaemonJson(flags(...args), json as Record<string, unknown>, FILE), {});
const enoent = () => {
  throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
};

describe("daemon.json merged with ced's flags", () => {
  it("reads every setting under dockerd's key names", () => {
    const config = fromFile({
      'data-root': '/srv/ce',
      'exec-root': '/run/ce2',
      hosts: ['unix:///run/ce2/api.sock'],
      group: 'staff',
      'log-level': 'debug',
      'insecure-registries': ['10.0.0.0/8'],
      'registry-mirrors': ['https://mirror.test'],
      'log-driver': 'local',
      'log-opts': { 'max-size': '5m' },
      init: true,
      runtimes: { crun: { path: '/usr/bin/crun' } },
      'default-runtime': 'crun',
      bridge: 'br-x',
      bip: '10.90.0.1/24',
      'default-address-pools': [{ base: '10.91.0.0/16', size: 26 }],
      iptables: false,
      'ip-forward': false,
      mtu: 1400,
      dns: ['10.0.0.53'],
      'dns-search': ['example.test'],
      'dns-opts': ['ndots:2'],
      'cni-bin-dirs': ['/opt/cni/bin'],
      'default-ulimits': { nofile: { Name: 'nofile', Hard: 2048, Soft: 1024 } },
    });
    expect(config).toMatchObject({
      root: '/srv/ce',
      state: '/run/ce2',
      socket: '/run/ce2/api.sock',
      socketGroup: 'staff',
      logFile: '/srv/ce/ced.log',
      logLevel: 'debug',
      insecureRegistries: ['10.0.0.0/8'],
      registryMirrors: ['https://mirror.test'],
      logDriver: 'local',
      logOpts: ['max-size=5m'],
      init: true,
      runtimes: { crun: '/usr/bin/crun' },
      defaultRuntime: 'crun',
      defaultUlimits: [{ Name: 'nofile', Hard: 2048, Soft: 1024 }],
    });
    expect(config.network).toMatchObject({ bridge: 'br-x', bip: '10.90.0.1/24', addressPools: [{ base: '10.91.0.0/16', size: 26 }], iptables: false, ipForward: false, mtu: 1400, dns: ['10.0.0.53'], dnsSearch: ['example.test'], dnsOptions: ['ndots:2'], cniBinDirs: ['/opt/cni/bin'] });
  });

  it('takes --default-ulimit as dockerd does, and refuses it beside the default-ulimits key', () => {
    expect(configFromFlags(flags('--default-ulimit', 'nofile=100:200', '--default-ulimit', 'nproc=50'), {}).defaultUlimits).toEqual([{ Name: 'nofile', Soft: 100, Hard: 200 }, { Name: 'nproc', Soft: 50, Hard: 50 }]);
    expect(() => configFromFlags(flags('--default-ulimit', 'nofile'), {})).toThrow('--default-ulimit: invalid ulimit argument: nofile');
    expect(() => fromFile({ 'default-ulimits': { nproc: { Name: 'nproc', Hard: 1, Soft: 1 } } }, ['--default-ulimit', 'nofile=1'])).toThrow(
      'default-ulimits: (from flag: [nofile=1], from file: map[nproc:map[Name:nproc Hard:1 Soft:1]])',
    );
  });

  it('runs containers under the shim host unless told per-container, by flag, daemon.json or CE_SHIM_HOST=0', () => {
    expect(configFromFlags(flags(), {}).shimMode).toBe('host');
    expect(configFromFlags(flags('--shim-mode', 'per-container'), {}).shimMode).toBe('per-container');
    expect(configFromFlags(flags(), { CE_SHIM_HOST: '0' }).shimMode).toBe('per-container');
    expect(configFromFlags(flags('--shim-mode', 'host'), { CE_SHIM_HOST: '0' }).shimMode).toBe('host');
    expect(fromFile({ 'shim-mode': 'per-container' }).shimMode).toBe('per-container');
    expect(() => configFromFlags(flags('--shim-mode', 'pooled'), {})).toThrow('--shim-mode: pooled: one of host, per-container is needed');
  });

  it('takes flags and file settings together when they name different settings', () => {
    const config = fromFile({ 'registry-mirrors': ['https://m.test'] }, ['--root', '/srv/x', '-l', 'warn']);
    expect(config).toMatchObject({ root: '/srv/x', logLevel: 'warn', registryMirrors: ['https://m.test'], socketGroup: 'ce' });
  });

  it("refuses keys that are no setting, worded as dockerd's", () => {
    expect(() => fromFile({ foo: 1, 'log-level': 'info', bar: true })).toThrow(
      "unable to configure the ce daemon with file /etc/ce/daemon.json: the following directives don't match any configuration option: bar, foo",
    );
    expect(() => fromFile(JSON.parse('{"constructor": 1, "__proto__": 2}') as object)).toThrow("don't match any configuration option: __proto__, constructor");
  });

  it("refuses a setting given both as a flag and in the file, worded as dockerd's", () => {
    expect(() => fromFile({ 'log-level': 'info', 'registry-mirrors': ['https://b.test'] }, ['--log-level', 'debug', '--registry-mirror', 'https://a.test'])).toThrow(
      'unable to configure the ce daemon with file /etc/ce/daemon.json: the following directives are specified both as a flag and in the configuration file: ' +
        'log-level: (from flag: debug, from file: info), registry-mirrors: (from flag: [https://a.test], from file: [https://b.test])',
    );
  });

  it('names the key of a value of the wrong shape, and checks values as their flags do', () => {
    expect(() => fromFile({ mtu: '1400' })).toThrow('with file /etc/ce/daemon.json: "mtu" must be a number');
    expect(() => fromFile({ iptables: 'no' })).toThrow('"iptables" must be true or false');
    expect(() => fromFile({ dns: '1.1.1.1' })).toThrow('"dns" must be an array of strings');
    expect(() => fromFile({ runtimes: { crun: { path: '/x', runtimeArgs: ['--debug'] } } })).toThrow('"runtimes.crun": only "path" is supported');
    expect(() => fromFile({ 'default-ulimits': { nofile: { Hard: 1, Soft: 2 } } })).toThrow('"default-ulimits": ulimit soft limit must be less than or equal to hard limit: 2 > 1');
    expect(() => fromFile({ 'default-ulimits': { nofiles: { Hard: 1, Soft: 1 } } })).toThrow('"default-ulimits": invalid ulimit type: nofiles');
    expect(() => fromFile({ 'default-ulimits': { nofile: { Hard: '1', Soft: 1 } } })).toThrow('"default-ulimits.nofile" needs integer "Hard" and "Soft"');
    expect(() => fromFile({ hosts: ['tcp://0.0.0.0:2375'] })).toThrow('ced serves a unix socket only');
    expect(() => fromFile({ bip: '10.0.0.1' })).toThrow('with file /etc/ce/daemon.json: "bip": "10.0.0.1" is not an IPv4 address with a prefix length');
    expect(() => fromFile({ runtimes: { ce: { path: '/x' } } })).toThrow("with file /etc/ce/daemon.json: \"runtimes\": runtime name 'ce' is reserved");
    expect(() => fromFile({ 'log-level': 'loud' })).toThrow('with file /etc/ce/daemon.json: unable to parse logging level: loud');
    // A bad flag is still the flag's error.
    expect(() => fromFile({ dns: ['10.0.0.53'] }, ['--bip', 'x'])).toThrow(/^--bip: "x"/);
  });

  it("names the file of a JSON syntax error, in dockerd's words", () => {
    expect(() => withDaemonJson({}, '/x/daemon.json', () => '{\n  "log-level": "debug",\n}')).toThrow(
      new Error("unable to configure the ce daemon with file /x/daemon.json: invalid character '}' looking for beginning of object key string"),
    );
    expect(() => withDaemonJson({}, '/x/daemon.json', () => '[]')).toThrow('with file /x/daemon.json: json: cannot unmarshal array into Go value of type map[string]interface {}');
  });

  it('runs on flags alone when the default file is missing, and fails when --config-file names a missing one', () => {
    expect(withDaemonJson({ root: '/r' }, undefined, enoent)).toEqual({ root: '/r' });
    expect(() => withDaemonJson({}, '/x/none.json', enoent)).toThrow('unable to configure the ce daemon with file /x/none.json: open /x/none.json: no such file or directory');
  });
});

describe('SIGHUP reload', () => {
  const base = () => fromFile({});
  it('applies the log level and the registries, and reports the rest as needing a restart', () => {
    const current = base();
    const calls: unknown[] = [];
    const next = fromFile({ 'log-level': 'debug', 'registry-mirrors': ['https://m.test'], bip: '10.90.0.1/24', mtu: 1400 });
    const outcome = reloadConfig(current, next, {
      setRuntimes: () => calls.push('runtimes'),
      setLogLevel: (l) => calls.push(['level', l]),
      setRegistryEndpoints: (insecure, mirrors) => calls.push(['registry', insecure, mirrors]),
    });
    expect(calls).toEqual([['level', 'debug'], ['registry', [], ['https://m.test']]]);
    expect(outcome.applied).toEqual({ 'log-level': { from: 'info', to: 'debug' }, 'registry-mirrors': { from: [], to: ['https://m.test'] } });
    expect(outcome.needsRestart.sort()).toEqual(['bip', 'mtu']);
    expect(current.logLevel).toBe('debug');
    expect(current.network.bip).toBe('10.210.0.1/16');
    // Reloading the same file again changes nothing more and still reports what waits for a restart.
    const again = reloadConfig(current, next, { setRuntimes: () => calls.push('again'), setLogLevel: () => calls.push('again'), setRegistryEndpoints: () => calls.push('again') });
    expect(again).toEqual({ applied: {}, needsRestart: expect.arrayContaining(['bip', 'mtu']) as unknown as string[] });
    expect(calls).toHaveLength(2);
  });
  it('changes runtimes first, and nothing when the new default runtime is unknown', () => {
    const current = base();
    const table = new RuntimeTable();
    const targets = {
      setRuntimes: (r: Record<string, string>, d: string | undefined) => table.replace(r, d),
      setLogLevel: () => expect.fail('the log level must not change'),
      setRegistryEndpoints: () => expect.fail('the registries must not change'),
    };
    expect(() => reloadConfig(current, fromFile({ 'log-level': 'debug', 'default-runtime': 'crun' }), targets)).toThrow('the default runtime crun is not a known runtime');
    expect(table.defaultName).toBe('ce');
    expect(current.logLevel).toBe('info');
    const outcome = reloadConfig(current, fromFile({ runtimes: { crun: { path: '/usr/bin/crun' } }, 'default-runtime': 'crun' }), { ...targets, setLogLevel: () => undefined });
    expect(outcome.applied).toEqual({ runtimes: { from: {}, to: { crun: '/usr/bin/crun' } }, 'default-runtime': { from: undefined, to: 'crun' } });
    expect(table.resolve('')).toEqual({ name: 'crun', path: '/usr/bin/crun' });
  });
});

describe("the socket's group", () => {
  const groups = (known: Record<string, number>, add = (name: string) => void (known[name] = 999)) => ({ gid: (n: string) => known[n], add });
  it('uses an existing group, and adds the default "ce" when missing', () => {
    expect(socketGroupId('staff', groups({ staff: 50 }), () => undefined)).toBe(50);
    const known: Record<string, number> = {};
    expect(socketGroupId('ce', groups(known), () => undefined)).toBe(999);
    expect(known).toEqual({ ce: 999 });
  });
  it('leaves the socket root\'s with "", warns when "ce" cannot be added, and refuses another missing group', () => {
    expect(socketGroupId('', groups({}), () => undefined)).toBeUndefined();
    const warnings: string[] = [];
    const failing = groups({}, () => {
      throw new Error('groupadd: permission denied');
    });
    expect(socketGroupId('ce', failing, (m) => warnings.push(m))).toBeUndefined();
    expect(warnings).toEqual(["could not add group ce for the API socket (it stays root's): groupadd: permission denied"]);
    expect(() => socketGroupId('nosuch', groups({}), () => undefined)).toThrow('--group: group nosuch not found');
  });
});

describe('default-ulimits', () => {
  it("adds the daemon's ulimits a container does not set itself", () => {
    const defaults = [{ Name: 'nofile', Hard: 2048, Soft: 1024 }, { Name: 'nproc', Hard: 100, Soft: 100 }];
    expect(withDefaultUlimits([{ Name: 'nofile', Hard: 10, Soft: 10 }], defaults)).toEqual([{ Name: 'nofile', Hard: 10, Soft: 10 }, { Name: 'nproc', Hard: 100, Soft: 100 }]);
    expect(withDefaultUlimits(null, defaults)).toEqual(defaults);
    const own = [{ Name: 'nofile', Hard: 1, Soft: 1 }];
    expect(withDefaultUlimits(own, [])).toBe(own);
  });
});

describe('the Docker API listeners', () => {
  it('default to <state>/docker.sock; --docker-host and daemon.json "docker-hosts" replace them; "none" turns the API off', () => {
    expect(configFromFlags(flags('--state', '/run/x'), {}).dockerHosts).toEqual(['unix:///run/x/docker.sock']);
    expect(configFromFlags(flags('--docker-host', 'tcp://127.0.0.1:2375', '--docker-host', 'unix:///tmp/d.sock'), {}).dockerHosts).toEqual(['tcp://127.0.0.1:2375', 'unix:///tmp/d.sock']);
    expect(fromFile({ 'docker-hosts': ['unix:///tmp/e.sock'] }).dockerHosts).toEqual(['unix:///tmp/e.sock']);
    expect(configFromFlags(flags('--docker-host', 'none'), {}).dockerHosts).toEqual([]);
  });

  it('refuses a TCP listener off loopback, by flag or by file, naming it', () => {
    expect(() => configFromFlags(flags('--docker-host', 'tcp://0.0.0.0:2375'), {})).toThrow('--docker-host: invalid docker API address tcp://0.0.0.0:2375: ced serves the Docker API over TCP on a loopback address only (it has no TLS)');
    expect(() => fromFile({ 'docker-hosts': ['tcp://192.168.1.2:2375'] })).toThrow(/"docker-hosts": invalid docker API address tcp:\/\/192\.168\.1\.2:2375/);
  });
});

describe('the CRI socket', () => {
  it('defaults to <state>/cri.sock; --cri-socket and daemon.json "cri-socket" move it; "none" turns the CRI off', () => {
    expect(configFromFlags(flags('--state', '/run/x'), {}).criSocket).toBe('/run/x/cri.sock');
    expect(configFromFlags(flags('--cri-socket', 'unix:///run/k8s/cri.sock'), {}).criSocket).toBe('/run/k8s/cri.sock');
    expect(fromFile({ 'cri-socket': '/run/k8s/ce.sock' }).criSocket).toBe('/run/k8s/ce.sock');
    expect(configFromFlags(flags('--cri-socket', 'none'), {}).criSocket).toBe('');
  });

  it('refuses a path that is not absolute, naming it', () => {
    expect(() => configFromFlags(flags('--cri-socket', 'cri.sock'), {})).toThrow('--cri-socket: cri.sock: an absolute unix socket path is needed (or "none")');
  });

  it('the streaming server: --cri-stream-address/--cri-stream-port or daemon.json; unset leaves containerd\'s defaults to the CRI', () => {
    expect(configFromFlags(flags(), {})).toMatchObject({ criStreamAddress: undefined, criStreamPort: undefined });
    expect(configFromFlags(flags('--cri-stream-address', '10.0.0.5', '--cri-stream-port', '10010'), {})).toMatchObject({ criStreamAddress: '10.0.0.5', criStreamPort: 10010 });
    expect(fromFile({ 'cri-stream-address': '0.0.0.0', 'cri-stream-port': 10010 })).toMatchObject({ criStreamAddress: '0.0.0.0', criStreamPort: 10010 });
    expect(() => configFromFlags(flags('--cri-stream-port', '70000'), {})).toThrow('--cri-stream-port: 70000: a port number (0-65535) is needed');
  });
});
