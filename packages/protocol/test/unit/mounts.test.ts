import { describe, expect, it } from 'vitest';
import {
  mergeTmpfsOptions,
  parseMountFlag,
  parseMountSpec,
  parseVolumeSpec,
  parseVolumesFrom,
  tmpfsFlags,
  tmpfsMountOptions,
  tmpfsOptionsData,
  validateTmpfsDestination,
  validateVolumeName,
} from '../../src/mounts/index.js';

describe('-v specs (Binds)', () => {
  it('reads a named volume, a bind with a mode and an anonymous volume as Docker does', () => {
    expect(parseVolumeSpec('named:/n')).toMatchObject({ Type: 'volume', Name: 'named', Destination: '/n', RW: true, Mode: '', Propagation: '', CopyData: true });
    expect(parseVolumeSpec('/host/dir/:/h:ro')).toMatchObject({ Type: 'bind', Source: '/host/dir', Destination: '/h', RW: false, Mode: 'ro', Propagation: 'rprivate' });
    expect(parseVolumeSpec('/anon')).toMatchObject({ Type: 'volume', Name: '', Destination: '/anon', RW: true });
    expect(parseVolumeSpec('v:/data:ro,z')).toMatchObject({ Name: 'v', RW: false, Mode: 'ro,z' });
    expect(parseVolumeSpec('v:/data:nocopy')).toMatchObject({ CopyData: false, Mode: 'nocopy' });
    expect(parseVolumeSpec('/a:/b:rshared')).toMatchObject({ Type: 'bind', Propagation: 'rshared' });
    expect(parseVolumeSpec('/a:/b/../c/')).toMatchObject({ Destination: '/c' });
  });

  it.each([
    ['', "invalid volume specification: ''"],
    [':/x', "invalid volume specification: ':/x'"],
    ['/foo:rw', "invalid volume specification: '/foo:rw'"],
    ['a:b:c:d', "invalid volume specification: 'a:b:c:d'"],
    ['/a:/b:xx', 'invalid mode: xx'],
    ['/a:/b:ro,rw', 'invalid mode: ro,rw'],
    ['/a:rel', `invalid volume specification: '/a:rel': invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`],
    ['/a:/', `invalid volume specification: '/a:/': invalid mount config for type "bind": invalid specification: destination can't be '/'`],
    ['/a:/b:nocopy', `invalid volume specification: '/a:/b:nocopy': invalid mount config for type "bind": field VolumeOptions must not be specified`],
    ['v:/b:rslave', `invalid volume specification: 'v:/b:rslave': invalid mount config for type "volume": field BindOptions must not be specified`],
  ])('refuses %j: %s', (spec, message) => {
    expect(() => parseVolumeSpec(spec)).toThrow(message);
  });
});

describe('--mount values', () => {
  it('reads the CLI fields into HostConfig.Mounts entries', () => {
    expect(parseMountFlag('type=bind,source=/tmp,target=/bt,bind-propagation=rslave,readonly')).toEqual({
      Type: 'bind', Source: '/tmp', Target: '/bt', ReadOnly: true, BindOptions: { Propagation: 'rslave' },
    });
    expect(parseMountFlag('type=tmpfs,dst=/tm,tmpfs-size=1m,tmpfs-mode=1770')).toEqual({
      Type: 'tmpfs', Target: '/tm', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1770 },
    });
    expect(parseMountFlag('src=tmpv,target=/tv,volume-nocopy,volume-opt=type=tmpfs,volume-label=a=b')).toEqual({
      Type: 'volume', Source: 'tmpv', Target: '/tv', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Options: { type: 'tmpfs' } } },
    });
    expect(parseMountFlag('"type=volume","target=/a,b"')).toMatchObject({ Target: '/a,b' });
  });

  it.each([
    ['type=volume,bogus', "invalid field 'bogus' must be a key=value pair"],
    ['type=volume,target=/x,bogus=1', "unexpected key 'bogus' in 'bogus=1'"],
    ['type=volume,source=v', 'target is required'],
    ['type=,target=/x', 'type is required'],
    ['type=bind,source=/tmp,target=/x,volume-nocopy', "cannot mix 'volume-*' options with mount type 'bind'"],
    ['type=volume,target=/x,bind-propagation=shared', "cannot mix 'bind-*' options with mount type 'volume'"],
    ['type=bind,target=/x,source=/y,tmpfs-size=1m', "cannot mix 'tmpfs-*' options with mount type 'bind'"],
    ['type=volume,target=/x,readonly=maybe', 'invalid value for readonly: maybe'],
    ['type=tmpfs,target=/x,tmpfs-mode=9', 'invalid value for tmpfs-mode: 9'],
    ['type=tmpfs,target=/x,tmpfs-size=lots', 'invalid value for tmpfs-size: lots'],
  ])('refuses %j: %s', (value, message) => {
    expect(() => parseMountFlag(value)).toThrow(message);
  });

  it('is checked by the daemon with Docker\'s "invalid mount config" errors', () => {
    const exists = (p: string) => p.replace(/\/$/, '') === '/tmp';
    expect(() => parseMountSpec({ Type: 'bind', Source: '/x', Target: '/y' }, { bindSourceExists: exists })).toThrow(
      'invalid mount config for type "bind": bind source path does not exist: /x',
    );
    expect(() => parseMountSpec({ Type: 'bind', Target: '/y' })).toThrow('invalid mount config for type "bind": field Source must not be empty');
    expect(() => parseMountSpec({ Type: 'foo', Target: '/y' })).toThrow('invalid mount config for type "foo": mount type unknown');
    expect(() => parseMountSpec({ Type: 'tmpfs', Source: '/x', Target: '/y' })).toThrow('invalid mount config for type "tmpfs": field Source must not be specified');
    expect(() => parseMountSpec({ Type: 'volume', Target: '/y', ReadOnly: true })).toThrow('must not set ReadOnly mode when using anonymous volumes');
    expect(() => parseMountSpec({ Type: 'bind', Source: '/tmp', Target: '/y', BindOptions: { Propagation: 'odd' } })).toThrow('invalid propagation mode: odd');
    expect(parseMountSpec({ Type: 'bind', Source: '/tmp/', Target: '/y' }, { bindSourceExists: exists })).toMatchObject({ Source: '/tmp', Propagation: 'rprivate', Mode: '' });
    expect(parseMountSpec({ Type: 'volume', Source: 'v', Target: '/y', VolumeOptions: { NoCopy: true } })).toMatchObject({ Name: 'v', CopyData: false });
  });
});

describe('tmpfs', () => {
  it('turns --mount tmpfs options into mount data as Docker does', () => {
    expect(tmpfsOptionsData({ SizeBytes: 1048576, Mode: 0o1770 }, false)).toBe('mode=1770,size=1m');
    expect(tmpfsOptionsData({ SizeBytes: 3 * 2 ** 30 }, true)).toBe('ro,size=3g');
    expect(tmpfsOptionsData({ SizeBytes: 1000 }, false)).toBe('size=1000');
  });

  it('merges options, the last of each kind winning, with Docker\'s defaults first', () => {
    expect(tmpfsMountOptions('size=2m,exec')).toEqual(['nosuid', 'nodev', 'rprivate', 'size=2m', 'exec']);
    expect(tmpfsMountOptions('')).toEqual(['noexec', 'nosuid', 'nodev', 'rprivate']);
    expect(mergeTmpfsOptions(['size=1m', 'size=2m', 'shared'])).toEqual(['size=2m', 'shared']);
    expect(() => mergeTmpfsOptions(['bogus'])).toThrow('Invalid tmpfs option ["bogus"]');
    expect(() => mergeTmpfsOptions(['foo=1'])).toThrow('Invalid tmpfs option ["foo" "1"]');
  });

  it('reads --tmpfs values and checks their destinations', () => {
    expect(tmpfsFlags(['/a', '/b:size=1m,exec'])).toEqual({ '/a': '', '/b': 'size=1m,exec' });
    expect(() => validateTmpfsDestination('rel')).toThrow("invalid mount path: 'rel' mount path must be absolute");
    expect(() => validateTmpfsDestination('/')).toThrow("invalid specification: destination can't be '/'");
  });
});

describe('volume names and --volumes-from', () => {
  it('takes the local driver\'s names only', () => {
    expect(() => validateVolumeName('data_1.x-y')).not.toThrow();
    expect(() => validateVolumeName('rel/path')).toThrow('"rel/path" includes invalid characters for a local volume name');
    expect(() => validateVolumeName('a')).toThrow('includes invalid characters');
  });

  it('reads container[:mode]', () => {
    expect(parseVolumesFrom('c1')).toEqual({ container: 'c1', mode: 'rw' });
    expect(parseVolumesFrom('c1:ro')).toEqual({ container: 'c1', mode: 'ro' });
    expect(() => parseVolumesFrom('c1:rshared')).toThrow('invalid mode: rshared');
    expect(() => parseVolumesFrom('c1:nocopy')).toThrow('invalid mode: nocopy');
    expect(() => parseVolumesFrom('')).toThrow('volumes-from specification cannot be an empty string');
  });
});
