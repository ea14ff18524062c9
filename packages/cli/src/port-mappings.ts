// docker port's output (cli/command/container/port.go, 20.10) from a
// container's NetworkSettings.Ports.
import { parsePortRange } from '@ce/protocol/port-specs';

export type NetworkPorts = Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null | undefined;

function byPort(a: string, b: string): number {
  const [pa = '', ta = ''] = a.split('/');
  const [pb = '', tb = ''] = b.split('/');
  const diff = Number.parseInt(pa, 10) - Number.parseInt(pb, 10);
  return diff !== 0 ? diff : ta < tb ? -1 : ta > tb ? 1 : 0;
}

/** Every published port, `80/tcp -> 0.0.0.0:8080`, by port (Go's map order is random). */
export function allPortLines(ports: NetworkPorts): string {
  let out = '';
  for (const key of Object.keys(ports ?? {}).sort(byPort)) {
    for (const b of ports![key] ?? []) out += `${key} -> ${b.HostIp ?? ''}:${b.HostPort ?? ''}\n`;
  }
  return out;
}

/**
 * The host addresses of one private port ("80", "80/udp"): `0.0.0.0:8080`.
 * Throws docker's error when the port does not parse or is not published.
 */
export function privatePortLines(ports: NetworkPorts, privatePort: string, container: string): string {
  let port = privatePort;
  let proto = 'tcp';
  const slash = privatePort.indexOf('/');
  if (slash >= 0 && slash < privatePort.length - 1) {
    port = privatePort.slice(0, slash);
    proto = privatePort.slice(slash + 1);
  }
  const [start, end] = parsePortRange(port);
  const key = start === end ? `${start}/${proto}` : `${start}-${end}/${proto}`;
  const bindings = ports?.[key];
  if (!bindings) throw new Error(`Error: No public port '${port}/${proto}' published for ${container}`);
  return bindings.map((b) => `${b.HostIp ?? ''}:${b.HostPort ?? ''}\n`).join('');
}
