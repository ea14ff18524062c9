import { describe, expect, it } from 'vitest';
import {
  addExposedPorts,
  parsePortRange,
  parsePortSpec,
  parsePortSpecs,
  parsePublishAndExpose,
  portPublishRequests,
  splitProtoPort,
  validatePortBindings,
} from '../../src/port-specs.js';

// The cases of go-connections v0.4.0 nat_test.go (the version Docker 20.10
// vendors), and the messages docker 20.10.24's CLI printed for bad specs.
describe('port specs (-p)', () => {
  it('parses the short forms as Docker does', () => {
    expect(parsePortSpec('80')).toEqual([{ port: '80/tcp', binding: { HostIp: '', HostPort: '' } }]);
    expect(parsePortSpec('8080:80')).toEqual([{ port: '80/tcp', binding: { HostIp: '', HostPort: '8080' } }]);
    expect(parsePortSpec('127.0.0.1:8080:80/udp')).toEqual([{ port: '80/udp', binding: { HostIp: '127.0.0.1', HostPort: '8080' } }]);
    expect(parsePortSpec('127.0.0.1::80')).toEqual([{ port: '80/tcp', binding: { HostIp: '127.0.0.1', HostPort: '' } }]);
    expect(parsePortSpec('[::1]:80:80')).toEqual([{ port: '80/tcp', binding: { HostIp: '::1', HostPort: '80' } }]);
    expect(parsePortSpec('80/SCTP')).toEqual([{ port: '80/sctp', binding: { HostIp: '', HostPort: '' } }]);
    expect(parsePortSpec('0:80')).toEqual([{ port: '80/tcp', binding: { HostIp: '', HostPort: '0' } }]);
    expect(parsePortSpec('08080:080')).toEqual([{ port: '80/tcp', binding: { HostIp: '', HostPort: '8080' } }]);
  });

  it('expands ranges, and keeps a host range for one container port as a range to pick from', () => {
    expect(parsePortSpec('1234-1236/udp').map((m) => m.port)).toEqual(['1234/udp', '1235/udp', '1236/udp']);
    expect(parsePortSpec('0.0.0.0:1234-1235:3333-3334')).toEqual([
      { port: '3333/tcp', binding: { HostIp: '0.0.0.0', HostPort: '1234' } },
      { port: '3334/tcp', binding: { HostIp: '0.0.0.0', HostPort: '1235' } },
    ]);
    expect(parsePortSpec('8000-8010:80')).toEqual([{ port: '80/tcp', binding: { HostIp: '', HostPort: '8000-8010' } }]);
    // Docker reads two parts of a range only.
    expect(parsePortRange('1-2-3')).toEqual([1, 2]);
  });

  it('builds ExposedPorts and PortBindings', () => {
    expect(parsePortSpecs(['8080:80', '127.0.0.1:8081:80', '53/udp'])).toEqual({
      exposedPorts: { '80/tcp': {}, '53/udp': {} },
      portBindings: {
        '80/tcp': [
          { HostIp: '', HostPort: '8080' },
          { HostIp: '127.0.0.1', HostPort: '8081' },
        ],
        '53/udp': [{ HostIp: '', HostPort: '' }],
      },
    });
  });

  it.each([
    ['abc', 'Invalid containerPort: abc'],
    ['8080:abc', 'Invalid containerPort: abc'],
    ['70000', 'Invalid containerPort: 70000'],
    ['80-79', 'Invalid containerPort: 80-79'],
    ['+80', 'Invalid containerPort: +80'],
    ['x:80', 'Invalid hostPort: x'],
    ['80/foo', 'Invalid proto: foo'],
    ['80/FOO', 'Invalid proto: FOO'],
    ['8000-8010:80-81', 'Invalid ranges specified for container and host Ports: 80-81 and 8000-8010'],
    ['1.2.3:80:80', 'Invalid ip address: 1.2.3'],
    ['[::1:80:80', "Invalid ip address [::1: address [::1:: missing ']' in address"],
    ['::1:80:80', 'Invalid ip address ::1: address ::1:: too many colons in address'],
    ['', 'No port specified: <empty>'],
    ['8080:', 'No port specified: 8080:<empty>'],
  ])('refuses %j: %s', (spec, message) => {
    expect(() => parsePortSpec(spec)).toThrow(expect.objectContaining({ code: 'InvalidArgument', message }));
  });
});

describe('--publish long syntax and --expose', () => {
  it('converts target=,published=,protocol= and merges exposed ports', () => {
    expect(parsePublishAndExpose(['target=80,published=8080,protocol=udp'], ['7000-7001', '9000/udp'])).toEqual({
      exposedPorts: { '80/udp': {}, '7000/tcp': {}, '7001/tcp': {}, '9000/udp': {} },
      portBindings: { '80/udp': [{ HostIp: '', HostPort: '8080' }] },
    });
    expect(() => parsePublishAndExpose(['target=80,x'])).toThrow("invalid publish opts format (should be name=value but got 'x')");
  });

  it("refuses bad --expose values with the CLI's words", () => {
    expect(() => addExposedPorts({}, ['1:2'])).toThrow('invalid port format for --expose: 1:2');
    expect(() => addExposedPorts({}, ['80-x'])).toThrow('invalid range format for --expose: 80-x, error: strconv.ParseUint: parsing "x": invalid syntax');
    expect(() => addExposedPorts({}, ['90-80'])).toThrow('invalid range format for --expose: 90-80, error: Invalid range specified for the Port: 90-80');
  });

  it('splits protocol and port as nat.SplitProtoPort', () => {
    expect(splitProtoPort('80')).toEqual(['tcp', '80']);
    expect(splitProtoPort('80/')).toEqual(['tcp', '80']);
    expect(splitProtoPort('/udp')).toEqual(['', '']);
    expect(splitProtoPort('80/udp/x')).toEqual(['udp', '80']);
  });
});

describe('PortBindings from the Engine API', () => {
  it('turns bindings into publish requests', () => {
    expect(
      portPublishRequests({
        '80/tcp': [
          { HostIp: '', HostPort: '8080' },
          { HostIp: '127.0.0.1', HostPort: '' },
        ],
        '53/udp': [{ HostIp: '', HostPort: '5300-5310' }],
        '22/tcp': null,
      }),
    ).toEqual([
      { containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 8080 },
      { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 0 },
      { containerPort: 53, protocol: 'udp', hostIp: '', hostPort: 5300, hostPortEnd: 5310 },
    ]);
  });

  it("refuses what dockerd refuses, with its words", () => {
    expect(() => validatePortBindings({ 'x/tcp': [] })).toThrow('invalid port specification: "x"');
    expect(() => validatePortBindings({ '80/tcp': [{ HostIp: '', HostPort: 'y' }] })).toThrow('invalid port specification: "y"');
  });
});
