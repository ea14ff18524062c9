import { describe, expect, it } from 'vitest';
import type { CreateTaskRequest } from '@ce/protocol/gen/ce/shim/v1/shim';
import { needsOwnShim } from '../../src/task-placement.js';

const DIR = '/var/lib/ce/shims';

function request(overrides: Partial<CreateTaskRequest> = {}): CreateTaskRequest {
  return { id: 'c1', bundle: '/b', rootfs: [], terminal: false, stdin: false, logPath: '/logs/c1-json.log', namespace: 'default', labels: {}, runtime: '', runtimePath: '', ...overrides };
}
const log = (type: string, config: Record<string, string> = {}) => ({ logConfig: { type, config } });

describe('needsOwnShim: which tasks the shim host cannot carry under a monitor', () => {
  it('leaves to the host what ce-monitor writes: json-file (rotated or not), the cri format, none, no log, no log config', () => {
    expect(needsOwnShim(request(log('cri')), DIR)).toBeUndefined();
    expect(needsOwnShim(request(log('json-file')), DIR)).toBeUndefined();
    expect(needsOwnShim(request(log('json-file', { 'max-size': '20m', 'max-file': '5' })), DIR)).toBeUndefined();
    expect(needsOwnShim(request(log('json-file', { 'max-size': '20m', 'max-file': '5', compress: 'false' })), DIR)).toBeUndefined();
    expect(needsOwnShim(request(log('none')), DIR)).toBeUndefined();
    expect(needsOwnShim(request(), DIR)).toBeUndefined();
    expect(needsOwnShim(request({ logPath: '' }), DIR)).toBeUndefined();
    expect(needsOwnShim(request({ runtime: 'ce' }), DIR)).toBeUndefined();
  });

  it('carries every log driver under the monitor: local and compressed rotation too', () => {
    expect(needsOwnShim(request(log('local')), DIR)).toBeUndefined();
    expect(needsOwnShim(request(log('local', { compress: 'false' })), DIR)).toBeUndefined();
    expect(needsOwnShim(request(log('json-file', { 'max-size': '1m', 'max-file': '3', compress: 'true' })), DIR)).toBeUndefined();
    expect(needsOwnShim(request({ logPath: '', ...log('local') }), DIR)).toBeUndefined();
  });

  it('gives a shim of its own to a task of a runc-compatible binary, whatever its log', () => {
    expect(needsOwnShim(request({ runtime: 'runc', runtimePath: '/usr/bin/runc' }), DIR)).toBe('runtime runc is a runc-compatible binary');
    expect(needsOwnShim(request({ runtime: 'runc', runtimePath: '/usr/bin/runc', logPath: '' }), DIR)).toBe('runtime runc is a runc-compatible binary');
  });

  it('gives a shim of its own to a task whose monitor socket would not fit a unix socket path', () => {
    const id = 'x'.repeat(107 - DIR.length - '/.mon'.length);
    expect(needsOwnShim(request({ id }), DIR)).toBeUndefined();
    expect(needsOwnShim(request({ id: `${id}y` }), DIR)).toBe('its monitor socket path would be too long');
  });

  it('leaves a log config the shim refuses to the host, which refuses it without a process started for it', () => {
    expect(needsOwnShim(request(log('syslog')), DIR)).toBeUndefined();
    expect(needsOwnShim(request(log('local', { 'max-file': '1' })), DIR)).toBeUndefined();
  });
});
