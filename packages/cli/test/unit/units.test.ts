import { describe, expect, it } from 'vitest';
import { resourceHostConfig, type ResourceFlags } from '../../src/resource-flags.js';
import { parseDevice, parseNanoCpus, parseRamSize, parseSwapSize, parseUlimit } from '../../src/units.js';

const flags = (o: Partial<ResourceFlags>): ResourceFlags => ({ ulimit: [], device: [], groupAdd: [], ...o });

describe("Docker's flag value parsers", () => {
  it('reads sizes with binary multipliers as go-units RAMInBytes does', () => {
    expect(parseRamSize('512')).toBe(512);
    expect(parseRamSize('64m')).toBe(64 * 1024 * 1024);
    expect(parseRamSize('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseRamSize('10MiB')).toBe(10 * 1024 ** 2);
    expect(parseRamSize('2kb')).toBe(2048);
    expect(() => parseRamSize('x')).toThrow("invalid size: 'x'");
    expect(() => parseRamSize('-1')).toThrow("invalid size: '-1'");
    expect(parseSwapSize('-1')).toBe(-1);
  });
  it('reads --cpus as nano CPUs', () => {
    expect(parseNanoCpus('1.5')).toBe(1_500_000_000);
    expect(parseNanoCpus('0.01')).toBe(10_000_000);
    expect(parseNanoCpus('2')).toBe(2_000_000_000);
    expect(() => parseNanoCpus('x')).toThrow('failed to parse x as a rational number');
  });
  it('reads ulimits as name=soft[:hard]', () => {
    expect(parseUlimit('nofile=100:200')).toEqual({ Name: 'nofile', Soft: 100, Hard: 200 });
    expect(parseUlimit('nproc=50')).toEqual({ Name: 'nproc', Soft: 50, Hard: 50 });
    expect(() => parseUlimit('x')).toThrow('invalid ulimit argument: x');
    expect(() => parseUlimit('foo=1')).toThrow('invalid ulimit type: foo');
    expect(() => parseUlimit('nofile=10:5')).toThrow('ulimit soft limit must be less than or equal to hard limit: 10 > 5');
    expect(() => parseUlimit('nofile=a')).toThrow('strconv.ParseInt: parsing "a": invalid syntax');
  });
  it('reads --device as host[:container[:permissions]]', () => {
    expect(parseDevice('/dev/null')).toEqual({ PathOnHost: '/dev/null', PathInContainer: '/dev/null', CgroupPermissions: 'rwm' });
    expect(parseDevice('/dev/null:/dev/n')).toEqual({ PathOnHost: '/dev/null', PathInContainer: '/dev/n', CgroupPermissions: 'rwm' });
    expect(parseDevice('/dev/null:r')).toEqual({ PathOnHost: '/dev/null', PathInContainer: '/dev/null', CgroupPermissions: 'r' });
    expect(parseDevice('/dev/null:/dev/n:rw')).toEqual({ PathOnHost: '/dev/null', PathInContainer: '/dev/n', CgroupPermissions: 'rw' });
    expect(() => parseDevice('relative')).toThrow('relative is not an absolute path.');
  });
  it('turns the flags into HostConfig fields with the flag named in errors', () => {
    expect(resourceHostConfig(flags({ memory: '64m', cpus: '1.5', pidsLimit: '5', ulimit: ['nofile=1:2'], readOnly: true, groupAdd: ['audio'] }))).toEqual({
      Memory: 64 << 20,
      NanoCpus: 1_500_000_000,
      PidsLimit: 5,
      Ulimits: [{ Name: 'nofile', Soft: 1, Hard: 2 }],
      ReadonlyRootfs: true,
      GroupAdd: ['audio'],
    });
    expect(resourceHostConfig(flags({}))).toEqual({});
    expect(() => resourceHostConfig(flags({ memory: 'x' }))).toThrow(`invalid argument "x" for "-m, --memory" flag: invalid size: 'x'`);
    expect(() => resourceHostConfig(flags({ cpuShares: 'x' }))).toThrow(`invalid argument "x" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "x": invalid syntax`);
    expect(() => resourceHostConfig(flags({ ulimit: ['foo=1'] }))).toThrow(`invalid argument "foo=1" for "--ulimit" flag: invalid ulimit type: foo`);
  });
});
