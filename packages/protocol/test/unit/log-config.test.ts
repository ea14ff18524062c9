import { describe, expect, it } from 'vitest';
import { fromHumanSize, logOptsToMap, logSettings, resolveLogConfig, type LogConfig } from '../../src/log-config.js';
import { decodeLocalEntry, encodeLocalEntry, LOCAL_FRAME_OVERHEAD, wholeFramesEnd } from '../../src/local-log-format.js';

const json = (Config: Record<string, string>): LogConfig => ({ Type: 'json-file', Config });
const local = (Config: Record<string, string>): LogConfig => ({ Type: 'local', Config });
const problem = (c: LogConfig) => {
  try {
    logSettings(c);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
};

describe('log driver options (messages as Docker 20.10 gives them)', () => {
  it('parses sizes as go-units FromHumanSize does: decimal units', () => {
    expect(fromHumanSize('10m')).toBe(10_000_000);
    expect(fromHumanSize('10 MB')).toBe(10_000_000);
    expect(fromHumanSize('10KiB')).toBe(10_000);
    expect(fromHumanSize('1.5k')).toBe(1500);
    expect(fromHumanSize('20')).toBe(20);
    expect(() => fromHumanSize('-1')).toThrow("invalid size: '-1'");
    expect(() => fromHumanSize('abc')).toThrow("invalid size: 'abc'");
  });

  it('json-file: rotation, file count and compress', () => {
    expect(logSettings(json({}))).toEqual({ driver: 'json-file', maxSize: -1, maxFiles: 1, compress: false });
    expect(logSettings(json({ 'max-size': '10k', 'max-file': '3', compress: 'true' }))).toEqual({ driver: 'json-file', maxSize: 10_000, maxFiles: 3, compress: true });
    expect(problem(json({ 'max-size': 'abc' }))).toBe("failed to initialize logging driver: invalid size: 'abc'");
    expect(problem(json({ 'max-size': '0' }))).toBe('failed to initialize logging driver: max-size must be a positive number');
    expect(problem(json({ 'max-file': 'abc' }))).toBe('failed to initialize logging driver: strconv.Atoi: parsing "abc": invalid syntax');
    expect(problem(json({ 'max-file': '0' }))).toBe('failed to initialize logging driver: max-file cannot be less than 1');
    expect(problem(json({ compress: 'maybe' }))).toBe('failed to initialize logging driver: strconv.ParseBool: parsing "maybe": invalid syntax');
    expect(problem(json({ compress: 'true', 'max-size': '1k' }))).toBe(
      'failed to initialize logging driver: compress cannot be true when max-file is less than 2 or max-size is not set',
    );
    expect(problem(json({ foo: 'bar' }))).toBe("unknown log opt 'foo' for json-file log driver");
    expect(problem(json({ tag: 'x' }))).toBe("log opt 'tag' of the json-file log driver is not supported by ce");
  });

  it('local: Docker local defaults (20 MiB x 5, compressed) and its checks', () => {
    expect(logSettings(local({}))).toEqual({ driver: 'local', maxSize: 20 * 1024 * 1024, maxFiles: 5, compress: true });
    expect(logSettings(local({ 'max-file': '0', compress: 'false' }))).toEqual({ driver: 'local', maxSize: 20 * 1024 * 1024, maxFiles: 1, compress: false });
    expect(problem(local({ 'max-size': 'abc' }))).toBe("failed to initialize logging driver: invalid value for max-size: abc: invalid size: 'abc'");
    expect(problem(local({ 'max-file': '-1', compress: 'false' }))).toBe('failed to initialize logging driver: max file count cannot be less than 0');
    expect(problem(local({ 'max-file': '1' }))).toBe('failed to initialize logging driver: compression cannot be enabled when max file count is 1');
    expect(problem(local({ compress: 'maybe' }))).toBe('failed to initialize logging driver: error reading compress log option: strconv.ParseBool: parsing "maybe": invalid syntax');
    expect(problem(local({ foo: '1' }))).toBe("unknown log opt 'foo' for log driver local");
  });

  it('none takes no options; other drivers are unknown', () => {
    expect(logSettings({ Type: 'none', Config: {} }).driver).toBe('none');
    expect(problem({ Type: 'none', Config: { 'max-size': '1m' } })).toBe('invalid logging opts for driver none');
    expect(problem({ Type: 'syslog', Config: {} })).toBe('error looking up logging plugin syslog: plugin "syslog" not found');
  });

  it('a new container: ced\'s driver and options fill the gaps, then json-file rotates at 20m x 5 unless told', () => {
    const dflt = json({});
    expect(resolveLogConfig(undefined, dflt)).toEqual(json({ 'max-size': '20m', 'max-file': '5' }));
    expect(resolveLogConfig({ Type: '', Config: { 'max-size': '1m' } }, dflt)).toEqual(json({ 'max-size': '1m', 'max-file': '5' }));
    expect(resolveLogConfig(local({}), dflt)).toEqual(local({}));
    expect(resolveLogConfig({ Type: 'none', Config: {} }, dflt)).toEqual({ Type: 'none', Config: {} });
    const cedLocal = local({ 'max-size': '5m' });
    expect(resolveLogConfig(undefined, cedLocal)).toEqual(local({ 'max-size': '5m' }));
    expect(resolveLogConfig(json({}), cedLocal)).toEqual(json({ 'max-size': '20m', 'max-file': '5' }));
    expect(() => resolveLogConfig(json({ 'max-size': 'x' }), dflt)).toThrow("invalid size: 'x'");
  });

  it('--log-opt list to map as the docker CLI makes it', () => {
    expect(logOptsToMap(['max-size=10m', 'foo', 'a=b=c'])).toEqual({ 'max-size': '10m', foo: '', a: 'b=c' });
  });
});

describe('local log entries', () => {
  it('encode and decode: fields, negative-free varints, framing both sides', () => {
    const frame = encodeLocalEntry({ source: 'stderr', timeNano: 1_765_000_000_123_456_789n, line: Buffer.from('x'.repeat(300)), partial: true });
    const size = frame.readUInt32BE(0);
    expect(frame.length).toBe(size + LOCAL_FRAME_OVERHEAD);
    expect(frame.readUInt32BE(frame.length - 4)).toBe(size);
    const e = decodeLocalEntry(frame.subarray(4, 4 + size));
    expect(e).toEqual({ source: 'stderr', timeNano: 1_765_000_000_123_456_789n, line: Buffer.from('x'.repeat(300)), partial: true });
    expect(wholeFramesEnd(Buffer.concat([frame, frame.subarray(0, 10)]))).toBe(frame.length);
  });
});
