import { describe, expect, it } from 'vitest';
import { parseListenAddress } from '../../src/listen-address.js';
import { compareApiVersions, unsupportedVersionMessage } from '../../src/api-version.js';

describe('parseListenAddress', () => {
  it('takes unix sockets and loopback TCP addresses', () => {
    expect(parseListenAddress('unix:///run/ce/docker.sock')).toEqual({ kind: 'unix', path: '/run/ce/docker.sock' });
    expect(parseListenAddress('/tmp/d.sock')).toEqual({ kind: 'unix', path: '/tmp/d.sock' });
    expect(parseListenAddress('tcp://127.0.0.1:2375')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 2375 });
    expect(parseListenAddress('tcp://localhost:0')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 0 });
    expect(parseListenAddress('tcp://[::1]:2375')).toEqual({ kind: 'tcp', host: '::1', port: 2375 });
  });

  it('refuses a TCP listener off loopback (no TLS), other schemes and malformed values, naming the value', () => {
    expect(() => parseListenAddress('tcp://0.0.0.0:2375')).toThrow('invalid docker API address tcp://0.0.0.0:2375: ced serves the Docker API over TCP on a loopback address only (it has no TLS)');
    expect(() => parseListenAddress('tcp://10.0.0.1:2375')).toThrow(/loopback address only/);
    expect(() => parseListenAddress('fd://')).toThrow('invalid docker API address fd://: only unix:// and tcp:// are served');
    expect(() => parseListenAddress('tcp://127.0.0.1')).toThrow('tcp:// needs host:port');
    expect(() => parseListenAddress('tcp://127.0.0.1:70000')).toThrow('port 70000 is out of range');
    expect(() => parseListenAddress('unix://relative.sock')).toThrow('the socket path must be absolute');
    expect(() => parseListenAddress('docker.sock')).toThrow(/expected unix:\/\/\/path or tcp:\/\/127\.0\.0\.1:port/);
  });
});

describe('API versions', () => {
  it('orders versions numerically and words dockerd\'s refusals', () => {
    expect(compareApiVersions('1.9', '1.41')).toBe(-1);
    expect(compareApiVersions('1.41', '1.41')).toBe(0);
    expect(compareApiVersions('1.100', '1.41')).toBe(1);
    expect(unsupportedVersionMessage('1.41')).toBeUndefined();
    expect(unsupportedVersionMessage('1.24')).toBeUndefined();
    expect(unsupportedVersionMessage('1.43')).toBe('client version 1.43 is too new. Maximum supported API version is 1.41');
    expect(unsupportedVersionMessage('1.11')).toBe('client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version');
  });
});
