import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { defaultSpec } from '../../src/spec/default-spec.js';
import { validateProcess, validateSpec } from '../../src/spec/validate.js';

function errorOf(spec: unknown): RuntimeError {
  try {
    validateSpec(spec);
  } catch (err) {
    expect(err).toBeInstanceOf(RuntimeError);
    return err as RuntimeError;
  }
  throw new Error('expected validateSpec to throw');
}

describe('validateSpec', () => {
  it('accepts the default spec', () => {
    expect(() => validateSpec(defaultSpec())).not.toThrow();
  });

  it('names process.args when it is missing or empty', () => {
    const spec = defaultSpec();
    spec.process!.args = [];
    const err = errorOf(spec);
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toContain('process.args: must be a non-empty array');
    delete spec.process!.args;
    expect(errorOf(spec).message).toContain('process.args: must be a non-empty array');
  });

  it('names nested paths with array indexes', () => {
    const spec = defaultSpec() as any;
    spec.mounts[2].destination = 'dev/pts';
    spec.process.env.push('NOEQUALS');
    spec.linux.namespaces.push({ type: 'bogus' });
    spec.process.rlimits[0].soft = 5000;
    spec.process.capabilities.bounding.push('CAP_NOPE');
    const msg = errorOf(spec).message;
    expect(msg).toContain('mounts[2].destination: must be an absolute path, not "dev/pts"');
    expect(msg).toContain('process.env[1]: must be KEY=value');
    expect(msg).toContain('linux.namespaces[5].type: unknown namespace type "bogus"');
    expect(msg).toContain('process.rlimits[0].soft: must not exceed hard (1024)');
    expect(msg).toContain('process.capabilities.bounding[14]: unknown capability "CAP_NOPE"');
  });

  it('reports wrong types and required fields', () => {
    const spec = defaultSpec() as any;
    spec.process.user.uid = -1;
    spec.process.cwd = 'relative';
    delete spec.root;
    spec.ociVersion = 1;
    const msg = errorOf(spec).message;
    expect(msg).toContain('process.user.uid: must be at least 0');
    expect(msg).toContain('process.cwd: must be an absolute path');
    expect(msg).toContain('root: is required');
    expect(msg).toContain('ociVersion: must be a string');
  });

  it('takes ociVersion as a SemVer 2.0.0 version of the runtime spec 1.x, and names what is wrong otherwise', () => {
    for (const ok of ['1.0.0', '1.0.2-dev', '1.1.0', '1.2.0', '1.0.0-rc5-dev', '1.0.1+build.7']) {
      expect(() => validateSpec({ ...defaultSpec(), ociVersion: ok })).not.toThrow();
    }
    expect(errorOf({ ...defaultSpec(), ociVersion: 'invalid' }).message).toContain('ociVersion: "invalid" is not a SemVer 2.0.0 version');
    expect(errorOf({ ...defaultSpec(), ociVersion: '1.0' }).message).toContain('ociVersion: "1.0" is not a SemVer 2.0.0 version');
    expect(errorOf({ ...defaultSpec(), ociVersion: '01.0.0' }).message).toContain('is not a SemVer 2.0.0 version');
    expect(errorOf({ ...defaultSpec(), ociVersion: '2.0.0' }).message).toContain('ociVersion: "2.0.0": this runtime implements version 1 of the runtime spec');
  });

  it('refuses uids and gids above 2147483647, which the kernel would read as -1 ("unchanged", so root)', () => {
    const spec = defaultSpec();
    spec.process!.user = { uid: 4294967295, gid: 2147483648, additionalGids: [5, 4294967295] };
    const msg = errorOf(spec).message;
    expect(msg).toContain('process.user.uid: 4294967295: uids and gids must be in range 0-2147483647');
    expect(msg).toContain('process.user.gid: 2147483648: uids and gids must be in range 0-2147483647');
    expect(msg).toContain('process.user.additionalGids[1]: 4294967295: uids and gids must be in range 0-2147483647');
    expect(() => validateProcess({ user: { uid: 0, gid: 4294967295 }, cwd: '/', args: ['ls'] })).toThrow('process.user.gid: 4294967295: uids and gids must be in range');
    spec.process!.user = { uid: 2147483647, gid: 2147483647 };
    expect(() => validateSpec(spec)).not.toThrow();
  });

  it('refuses a hostname without a uts namespace, and masked/read-only paths or root propagation without a mount namespace', () => {
    const spec = defaultSpec();
    spec.hostname = 'h';
    spec.linux!.namespaces = [{ type: 'pid' }];
    spec.linux!.rootfsPropagation = 'rslave';
    const msg = errorOf(spec).message;
    expect(msg).toContain('hostname: cannot be set without a uts namespace');
    expect(msg).toContain('linux.maskedPaths: cannot be applied without a mount namespace (linux.namespaces has no "mount")');
    expect(msg).toContain('linux.readonlyPaths: cannot be applied without a mount namespace');
    expect(msg).toContain("linux.rootfsPropagation: needs a mount namespace (linux.namespaces has no \"mount\"): it would change the propagation of the host's /");
  });

  it('accepts a config with any namespace left out, none at all too (the container inherits the caller\'s)', () => {
    for (const types of [['pid', 'network', 'ipc', 'uts'], ['mount'], []] as const) {
      const spec = defaultSpec();
      spec.linux!.namespaces = types.map((type) => ({ type }));
      if (!types.includes('mount' as never)) spec.linux!.maskedPaths = spec.linux!.readonlyPaths = [];
      expect(() => validateSpec(spec)).not.toThrow();
    }
  });

  it('refuses what is not implemented instead of ignoring it', () => {
    const spec = defaultSpec();
    spec.linux!.cgroupsPath = 'system.slice:ce:abc';
    expect(errorOf(spec).message).toContain('linux.cgroupsPath: systemd cgroup paths');
  });

  it('checks terminal sizes', () => {
    const spec = defaultSpec();
    spec.process!.terminal = true;
    spec.process!.consoleSize = { height: 24, width: 80 };
    expect(() => validateSpec(spec)).not.toThrow();
    spec.process!.consoleSize = { height: -1 } as never;
    const msg = errorOf(spec).message;
    expect(msg).toContain('process.consoleSize.height: must be at least 0');
    expect(msg).toContain('process.consoleSize.width: is required');
  });

  it('needs id mappings exactly when a new user namespace is made', () => {
    const userns = defaultSpec();
    userns.linux!.namespaces!.push({ type: 'user' });
    const msg = errorOf(userns).message;
    expect(msg).toContain('linux.uidMappings: is required for a new user namespace (linux.namespaces has "user" without a path)');
    expect(msg).toContain('linux.gidMappings: is required for a new user namespace');

    const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];
    userns.linux!.uidMappings = maps;
    userns.linux!.gidMappings = maps;
    expect(() => validateSpec(userns)).not.toThrow();

    userns.linux!.gidMappings = [{ containerID: 1, hostID: 100000, size: 10 }];
    expect(errorOf(userns).message).toBe('invalid config.json: linux.gidMappings: must map container gid 0 (ce-init sets up the container as its root)');
    userns.linux!.gidMappings = maps;

    const joined = defaultSpec();
    joined.linux!.namespaces!.push({ type: 'user', path: '/proc/1/ns/user' });
    expect(() => validateSpec(joined)).not.toThrow();

    const noUserns = defaultSpec();
    noUserns.linux!.uidMappings = maps;
    noUserns.linux!.gidMappings = [{ containerID: 0, hostID: -1, size: 0 }];
    const msg2 = errorOf(noUserns).message;
    expect(msg2).toContain('linux.uidMappings: needs a user namespace in linux.namespaces');
    expect(msg2).toContain('linux.gidMappings[0].hostID: must be at least 0');
    expect(msg2).toContain('linux.gidMappings[0].size: must be at least 1');
  });

  it('checks hooks, naming the kind and index', () => {
    const spec = defaultSpec();
    spec.hooks = {
      prestart: [{ path: '/bin/true', args: ['true'], env: ['A=1'], timeout: 5 }],
      createContainer: [{ path: 'relative' }],
      poststop: [{ path: '/x', env: ['NOEQUALS'], timeout: 0 }],
      ['preStart' as 'prestart']: [],
    };
    const msg = errorOf(spec).message;
    expect(msg).not.toContain('hooks.prestart');
    expect(msg).toContain('hooks.createContainer[0].path: must be an absolute path, not "relative"');
    expect(msg).toContain('hooks.poststop[0].env[0]: must be KEY=value, not "NOEQUALS"');
    expect(msg).toContain('hooks.poststop[0].timeout: must be at least 1');
    expect(msg).toContain('hooks.preStart: unknown hook kind');
  });

  it('checks linux.seccomp, naming the JSON path', () => {
    const spec = defaultSpec();
    spec.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['read'], action: 'SCMP_ACT_ALLOW' },
        { names: ['write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['open'], action: 'SCMP_ACT_ALLOW' },
        { names: ['close'], action: 'X' as never },
      ],
    };
    expect(errorOf(spec).message).toBe('invalid config.json: linux.seccomp.syscalls[3].action: unknown action "X"');
    spec.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] };
    expect(() => validateSpec(spec)).not.toThrow();
  });

  it('checks linux.timeOffsets: known clocks, a new time namespace', () => {
    const spec = defaultSpec();
    spec.linux!.timeOffsets = { realtime: { secs: 1 }, boottime: { secs: 1, nanosecs: 2_000_000_000 } };
    const msg = errorOf(spec).message;
    expect(msg).toContain('linux.timeOffsets.realtime: only the monotonic and boottime clocks have offsets');
    expect(msg).toContain('linux.timeOffsets.boottime.nanosecs: must be at most 999999999');
    expect(msg).toContain('linux.timeOffsets: needs a new time namespace');
    spec.linux!.timeOffsets = { boottime: { secs: 3600 } };
    spec.linux!.namespaces!.push({ type: 'time' });
    expect(() => validateSpec(spec)).not.toThrow();
  });

  it('rejects a non-object config', () => {
    expect(errorOf(null).message).toContain('(root): is required');
    expect(errorOf([]).message).toContain('(root): must be an object');
  });
});

describe('validateProcess', () => {
  it('checks an exec process with the same rules, naming process.* paths', async () => {
    const { validateProcess } = await import('../../src/spec/validate.js');
    expect(() => validateProcess({ ...defaultSpec().process!, args: ['ls'] })).not.toThrow();
    expect(() => validateProcess({ user: { uid: 0, gid: 0 }, cwd: 'rel', args: ['ls'] })).toThrow('invalid process: process.cwd: must be an absolute path');
    expect(() => validateProcess(undefined)).toThrow('process: is required');
  });
});
