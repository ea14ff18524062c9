// The pure entry point `@ce/protocol/port-specs`: Docker 20.10's port
// publishing syntax (go-connections v0.4.0 nat.ParsePortSpecs and the CLI's
// --publish / --expose handling), shared by the CLI and the Docker API.
// Results are Docker's HostConfig.PortBindings and Config.ExposedPorts; the
// errors carry Docker's wording, capitals included.
import { isIP } from 'node:net';
import { invalidArgument } from './errors/index.js';

/** One HostConfig.PortBindings entry: HostPort is '' (any), '8080' or a range to pick from ('8000-8010'). */
export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** HostConfig.PortBindings: '80/tcp' → its bindings. */
export type PortMap = Record<string, PortBinding[]>;

/** Config.ExposedPorts: '80/tcp' → {}. */
export type PortSet = Record<string, Record<string, never>>;

export interface PortMapping {
  /** '80/tcp' */
  port: string;
  binding: PortBinding;
}

/** A published port as the network layer takes it (the shape of @ce/network's PortBindingRequest). */
export interface PortPublishRequest {
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIp: string;
  /** 0: any free port. */
  hostPort: number;
  /** With a host range for one container port: the last port to pick from. */
  hostPortEnd?: number;
}

const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;

/** Go's strconv.ParseUint(s, 10, 16): digits only, at most 65535; the error as Go words it. */
function parsePortNumber(s: string): number {
  if (!/^[0-9]+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** nat.ParsePortRange: '80' or '8000-8010' → [start, end]; Error with Docker's text otherwise. */
export function parsePortRange(ports: string): [number, number] {
  if (ports === '') throw new Error('Empty string specified for ports.');
  if (!ports.includes('-')) {
    const port = parsePortNumber(ports);
    return [port, port];
  }
  // Docker reads the first two parts only: '1-2-3' is 1-2.
  const parts = ports.split('-');
  const start = parsePortNumber(parts[0]!);
  const end = parsePortNumber(parts[1]!);
  if (end < start) throw new Error(`Invalid range specified for the Port: ${ports}`);
  return [start, end];
}

/** nat.SplitProtoPort: '80/udp' → ['udp', '80']; no protocol is tcp; '' or '/x' → ['', '']. */
export function splitProtoPort(rawPort: string): [proto: string, port: string] {
  const parts = rawPort.split('/');
  if (rawPort === '' || parts[0] === '') return ['', ''];
  if (parts.length === 1 || parts[1] === '') return ['tcp', parts[0]!];
  return [parts[1]!, parts[0]!];
}

function splitParts(rawPort: string): [ip: string, hostPort: string, containerPort: string] {
  const parts = rawPort.split(':');
  const n = parts.length;
  const containerPort = parts[n - 1]!;
  if (n === 1) return ['', '', containerPort];
  if (n === 2) return ['', parts[0]!, containerPort];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2]!, containerPort];
}

/** Go's net.SplitHostPort, for the host part only, with its error text. */
function splitHost(hostport: string): string {
  const fail = (why: string): never => {
    throw new Error(`address ${hostport}: ${why}`);
  };
  const i = hostport.lastIndexOf(':');
  if (i < 0) fail('missing port in address');
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0) fail("missing ']' in address");
    if (end + 1 === hostport.length) fail('missing port in address');
    if (end + 1 !== i) fail(hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address');
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) fail('too many colons in address');
  }
  if (hostport.slice(j).includes('[')) fail("unexpected '[' in address");
  if (hostport.slice(k).includes(']')) fail("unexpected ']' in address");
  return host;
}

/** Go's net.ParseIP: dotted IPv4 without leading zeros, or IPv6 without a zone. */
function isGoIp(ip: string): boolean {
  return !ip.includes('%') && isIP(ip) !== 0;
}

/** nat.ParsePortSpec: `[ip:][hostPort|range:]containerPort|range[/proto]` → one mapping per container port. */
export function parsePortSpec(rawPort: string): PortMapping[] {
  const [rawIp, rawHostPort, rawContainerPort] = splitParts(rawPort);
  const [proto, containerPort] = splitProtoPort(rawContainerPort);
  let ip: string;
  try {
    ip = splitHost(rawIp + ':');
  } catch (err) {
    throw invalidArgument(`Invalid ip address ${rawIp}: ${(err as Error).message}`);
  }
  if (ip !== '' && !isGoIp(ip)) throw invalidArgument(`Invalid ip address: ${ip}`);
  if (containerPort === '') throw invalidArgument(`No port specified: ${rawPort}<empty>`);
  let start: number;
  let end: number;
  try {
    [start, end] = parsePortRange(containerPort);
  } catch {
    throw invalidArgument(`Invalid containerPort: ${containerPort}`);
  }
  let hostStart = 0;
  let hostEnd = 0;
  if (rawHostPort !== '') {
    try {
      [hostStart, hostEnd] = parsePortRange(rawHostPort);
    } catch {
      throw invalidArgument(`Invalid hostPort: ${rawHostPort}`);
    }
    // A host range for a single container port is a range to pick one from.
    if (end - start !== hostEnd - hostStart && end !== start) {
      throw invalidArgument(`Invalid ranges specified for container and host Ports: ${containerPort} and ${rawHostPort}`);
    }
  }
  const protocol = proto.toLowerCase();
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) throw invalidArgument(`Invalid proto: ${proto}`);
  const mappings: PortMapping[] = [];
  for (let i = 0; i <= end - start; i++) {
    let hostPort = rawHostPort === '' ? '' : String(hostStart + i);
    if (start === end && hostStart !== hostEnd) hostPort = `${hostPort}-${hostEnd}`;
    mappings.push({ port: `${start + i}/${protocol}`, binding: { HostIp: ip, HostPort: hostPort } });
  }
  return mappings;
}

/** nat.ParsePortSpecs: every -p value → Config.ExposedPorts and HostConfig.PortBindings. */
export function parsePortSpecs(specs: readonly string[]): { exposedPorts: PortSet; portBindings: PortMap } {
  const exposedPorts: PortSet = {};
  const portBindings: PortMap = {};
  for (const spec of specs) {
    for (const { port, binding } of parsePortSpec(spec)) {
      exposedPorts[port] = {};
      (portBindings[port] ??= []).push(binding);
    }
  }
  return { exposedPorts, portBindings };
}

/**
 * The CLI's long --publish syntax (`target=80,published=8080,protocol=udp`)
 * in the short one, as docker's convertToStandardNotation does; other values
 * pass unchanged.
 */
export function publishToStandardNotation(publish: string): string {
  if (!publish.includes('=')) return publish;
  const params: Record<string, string> = { protocol: 'tcp' };
  for (const param of publish.split(',')) {
    const opt = param.split('=');
    if (opt.length < 2) throw invalidArgument(`invalid publish opts format (should be name=value but got '${param}')`);
    params[opt[0]!] = opt[1]!;
  }
  return `${params['published'] ?? ''}:${params['target'] ?? ''}/${params['protocol']}`;
}

/** `--expose 80`, `--expose 7000-7010/udp`: adds the ports to `exposedPorts` (Docker neither lowercases nor checks the protocol here). */
export function addExposedPorts(exposedPorts: PortSet, specs: readonly string[]): PortSet {
  for (const spec of specs) {
    if (spec.includes(':')) throw invalidArgument(`invalid port format for --expose: ${spec}`);
    const [proto, port] = splitProtoPort(spec);
    let start: number;
    let end: number;
    try {
      [start, end] = parsePortRange(port);
    } catch (err) {
      throw invalidArgument(`invalid range format for --expose: ${spec}, error: ${(err as Error).message}`);
    }
    for (let p = start; p <= end; p++) exposedPorts[`${p}/${proto}`] ??= {};
  }
  return exposedPorts;
}

/**
 * `docker run`'s -p, --publish and --expose values → Config.ExposedPorts and
 * HostConfig.PortBindings, with the CLI's errors.
 */
export function parsePublishAndExpose(publish: readonly string[], expose: readonly string[] = []): { exposedPorts: PortSet; portBindings: PortMap } {
  const parsed = parsePortSpecs(publish.map(publishToStandardNotation));
  addExposedPorts(parsed.exposedPorts, expose);
  return parsed;
}

/** The daemon's check of a PortBindings it received (Engine API): `invalid port specification: "x"`. */
export function validatePortBindings(portBindings: Record<string, PortBinding[] | null> | null | undefined): void {
  for (const [port, bindings] of Object.entries(portBindings ?? {})) {
    const [, portStr] = splitProtoPort(port);
    if (portStr !== '') {
      try {
        parsePortNumber(portStr);
      } catch {
        throw invalidArgument(`invalid port specification: ${JSON.stringify(portStr)}`);
      }
    }
    for (const binding of bindings ?? []) {
      const [, hostPort] = splitProtoPort(binding.HostPort ?? '');
      if (hostPort === '') continue;
      try {
        parsePortRange(hostPort);
      } catch {
        throw invalidArgument(`invalid port specification: ${JSON.stringify(binding.HostPort)}`);
      }
    }
  }
}

/**
 * HostConfig.PortBindings → the ports to publish, in key order: HostPort ''
 * or '0' picks a free port, '8000-8010' picks one in the range; HostIp ''
 * stays '' (every address).
 */
export function portPublishRequests(portBindings: Record<string, PortBinding[] | null> | null | undefined): PortPublishRequest[] {
  validatePortBindings(portBindings);
  const requests: PortPublishRequest[] = [];
  for (const [port, bindings] of Object.entries(portBindings ?? {})) {
    const [proto, portStr] = splitProtoPort(port);
    const protocol = proto.toLowerCase();
    if (!(PROTOCOLS as readonly string[]).includes(protocol)) throw invalidArgument(`Invalid proto: ${proto}`);
    const containerPort = parsePortNumber(portStr);
    for (const binding of bindings ?? []) {
      const [start, end] = binding.HostPort ? parsePortRange(binding.HostPort) : [0, 0];
      const request: PortPublishRequest = { containerPort, protocol: protocol as PortPublishRequest['protocol'], hostIp: binding.HostIp ?? '', hostPort: start };
      if (end !== start) request.hostPortEnd = end;
      requests.push(request);
    }
  }
  return requests;
}
