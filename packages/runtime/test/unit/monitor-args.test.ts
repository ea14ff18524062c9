import { describe, expect, it } from 'vitest';
import { monitorArgs } from '../../src/monitor.js';

const base = { socket: '/run/ce/c1.mon', exitDir: '/b' };

describe("monitorArgs: ce-monitor's flags", () => {
  it('passes the log format: json-file by default, cri for the kubelet\'s format', () => {
    expect(monitorArgs({ ...base, log: { path: '/l/c1-json.log', maxSize: 1024, maxFiles: 3 } }, undefined)).toEqual([
      '--bundle', '/b', '--socket', '/run/ce/c1.mon',
      '--log-path', '/l/c1-json.log', '--log-max-size', '1024', '--log-max-file', '3', '--log-format', 'json-file',
    ]);
    expect(monitorArgs({ ...base, log: { path: '/pods/p/c/0.log', maxSize: -1, maxFiles: 1, format: 'cri' } }, undefined)).toEqual([
      '--bundle', '/b', '--socket', '/run/ce/c1.mon',
      '--log-path', '/pods/p/c/0.log', '--log-max-size', '-1', '--log-max-file', '1', '--log-format', 'cri',
    ]);
  });

  it('passes the local driver\'s format and compression of rotated files', () => {
    expect(monitorArgs({ ...base, log: { path: '/l/c1-local.log', maxSize: 20 << 20, maxFiles: 5, format: 'local', compress: true } }, undefined)).toEqual([
      '--bundle', '/b', '--socket', '/run/ce/c1.mon',
      '--log-path', '/l/c1-local.log', '--log-max-size', String(20 << 20), '--log-max-file', '5', '--log-format', 'local', '--log-compress',
    ]);
  });

  it('refuses a log format the monitor does not write, naming it', () => {
    expect(() => monitorArgs({ ...base, log: { path: '/l', maxSize: -1, maxFiles: 1, format: 'gelf' as never } }, undefined)).toThrow(
      'monitor log format must be json-file, cri or local, not "gelf"',
    );
  });
});
