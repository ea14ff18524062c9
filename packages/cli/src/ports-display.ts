// The PORTS column of docker ps: the daemon's port list (from
// NetworkSettings.Ports) in docker/cli's DisplayablePorts form (20.10).

export interface Port {
  ip: string;
  privatePort: number;
  publicPort: number;
  type: string;
}

/** NetworkSettings.Ports ("80/tcp" → bindings or null) as the daemon's list gives it. */
export function portsOf(networkPorts: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null | undefined): Port[] {
  const ports: Port[] = [];
  for (const [key, bindings] of Object.entries(networkPorts ?? {})) {
    const [port = '', type = 'tcp'] = key.split('/');
    const privatePort = Number(port);
    if (!bindings || bindings.length === 0) {
      ports.push({ ip: '', privatePort, publicPort: 0, type });
      continue;
    }
    for (const b of bindings) ports.push({ ip: b.HostIp ?? '', privatePort, publicPort: Number(b.HostPort ?? 0), type });
  }
  return ports;
}

function byPortInfo(a: Port, b: Port): number {
  if (a.privatePort !== b.privatePort) return a.privatePort - b.privatePort;
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  if (a.publicPort !== b.publicPort) return a.publicPort - b.publicPort;
  return a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
}

function formGroup(key: string, first: number, last: number): string {
  const parts = key.split('/');
  const [ip, type] = parts.length > 1 ? [parts[0]!, parts[1]!] : ['', parts[0]!];
  let group = first === last ? String(first) : `${first}-${last}`;
  if (ip) group = `${ip}:${group}->${group}`;
  return `${group}/${type}`;
}

/** Consecutive ports of one kind become a range; host mappings follow, `ip:public->private/type`. */
export function displayablePorts(ports: Port[]): string {
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const port of [...ports].sort(byPortInfo)) {
    const current = port.privatePort;
    let key = port.type;
    if (port.ip) {
      if (port.publicPort !== current) {
        hostMappings.push(`${port.ip}:${port.publicPort}->${port.privatePort}/${port.type}`);
        continue;
      }
      key = `${port.ip}/${port.type}`;
    }
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: current, last: current });
      continue;
    }
    if (current === group.last + 1) {
      group.last = current;
      continue;
    }
    result.push(formGroup(key, group.first, group.last));
    // Go replaces the group in its map, keeping the key's first place in the final order.
    groups.set(key, { first: current, last: current });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  return [...result, ...hostMappings].join(', ');
}
