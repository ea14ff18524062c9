import type { PortBindingRequest } from '@ce/network';
import type { PortProtocol } from '@ce/network';
import { invalidArgument } from '@ce/protocol/errors';
import type { ContainerRecord } from '../containers/record.js';

/** "80/tcp" → port and protocol (Docker's nat.Port; no protocol means tcp). */
function parsePortKey(key: string): { port: number; protocol: PortProtocol } {
  const [portText = '', protocol = 'tcp'] = key.split('/');
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalidArgument(`invalid port '${key}'`);
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') throw invalidArgument(`invalid protocol in port '${key}'`);
  return { port, protocol };
}

/** "8080", "8000-8010" or "" (any free port) → the host port and the end of its range. */
function parseHostPort(text: string, key: string): { hostPort: number; hostPortEnd?: number } {
  if (!text) return { hostPort: 0 };
  const [start, end] = text.split('-').map(Number);
  const valid = (p: number | undefined) => p !== undefined && Number.isInteger(p) && p >= 0 && p <= 65535;
  if (!valid(start) || (end !== undefined && (!valid(end) || end < start!))) throw invalidArgument(`invalid host port '${text}' for ${key}`);
  return end === undefined || end === start ? { hostPort: start! } : { hostPort: start!, hostPortEnd: end };
}

/**
 * The ports a container publishes: HostConfig.PortBindings, and with
 * PublishAllPorts (-P) every exposed port not bound already, on a free host port.
 */
export function portBindingRequests(record: ContainerRecord): PortBindingRequest[] {
  const requests: PortBindingRequest[] = [];
  const bindings = record.HostConfig.PortBindings ?? {};
  for (const [key, list] of Object.entries(bindings)) {
    const { port, protocol } = parsePortKey(key);
    for (const b of list ?? [{ HostIp: '', HostPort: '' }]) {
      requests.push({ containerPort: port, protocol, hostIp: b.HostIp ?? '', ...parseHostPort(b.HostPort ?? '', key) });
    }
  }
  if (record.HostConfig.PublishAllPorts) {
    for (const key of Object.keys(record.Config.ExposedPorts ?? {})) {
      if (bindings[key]?.length) continue;
      const { port, protocol } = parsePortKey(key);
      requests.push({ containerPort: port, protocol, hostIp: '', hostPort: 0 });
    }
  }
  return requests;
}
