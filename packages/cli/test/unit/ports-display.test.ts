import { describe, expect, it } from 'vitest';
import { displayablePorts, portsOf } from '../../src/ports-display.js';

// docker 20.10's PORTS column for these NetworkSettings.Ports.
describe("docker ps's PORTS column", () => {
  it('prints published ports per host address, v4 then v6, as 20.10 does', () => {
    expect(displayablePorts(portsOf({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }] }))).toBe('0.0.0.0:8080->80/tcp, :::8080->80/tcp');
  });
  it('groups consecutive exposed ports into ranges, per protocol', () => {
    // A range closed by a gap is printed first, then each protocol's last group in first-seen order (DisplayablePorts).
    expect(displayablePorts(portsOf({ '81/tcp': null, '80/tcp': null, '82/tcp': null, '53/udp': null, '90/tcp': [] }))).toBe('80-82/tcp, 53/udp, 90/tcp');
    expect(displayablePorts(portsOf({ '81/tcp': null, '80/tcp': null, '53/udp': null }))).toBe('53/udp, 80-81/tcp');
  });
  it('prints a port published on the same number with its address', () => {
    expect(displayablePorts(portsOf({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '80' }], '81/tcp': [{ HostIp: '0.0.0.0', HostPort: '81' }] }))).toBe('0.0.0.0:80-81->80-81/tcp');
  });
  it('is empty without ports', () => {
    expect(displayablePorts(portsOf(null))).toBe('');
    expect(displayablePorts(portsOf({}))).toBe('');
  });
});
