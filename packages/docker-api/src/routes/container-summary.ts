// A container as GET /containers/json lists it: Docker's ContainerSummary
// (types.Container), from ce's Container and the parts of its ContainerJSON a
// list repeats (summary_json, when the list asked for summaries; else json).
import { dockerCommand, statusText } from '@ce/protocol/container-list';
import type { Container } from '@ce/protocol/gen/ce/api/v1/containers';
import type { ContainerSize } from './container-sizes.js';

/** NetworkSettings.Ports of Docker's ContainerJSON. */
type PortMap = Record<string, { HostIp?: string; HostPort?: string }[] | null> | null;

/** The parts of Docker's ContainerJSON a summary repeats. */
interface ContainerModel {
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, unknown> | null; Ports?: PortMap };
  Mounts?: unknown[] | null;
}

/** Docker's types.Port: a published port has IP and PublicPort; an exposed one only PrivatePort and Type. */
export interface SummaryPort {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

/** NetworkSettings.Ports ("80/tcp" → bindings, or null when only exposed) as the list's Ports. */
export function summaryPorts(ports: PortMap | undefined): SummaryPort[] {
  const list: SummaryPort[] = [];
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    const [port = '', type = 'tcp'] = key.split('/');
    const privatePort = Number(port);
    if (!bindings || bindings.length === 0) {
      list.push({ PrivatePort: privatePort, Type: type });
      continue;
    }
    for (const b of bindings) {
      const publicPort = Number(b.HostPort ?? 0);
      list.push({ ...(b.HostIp ? { IP: b.HostIp } : {}), PrivatePort: privatePort, ...(publicPort ? { PublicPort: publicPort } : {}), Type: type });
    }
  }
  return list;
}

export function containerSummary(c: Container, now: number, size?: ContainerSize): Record<string, unknown> {
  const text = c.summaryJson || c.json;
  const model = (text ? JSON.parse(text) : {}) as ContainerModel;
  return {
    Id: c.id,
    Names: [`/${c.name}`],
    Image: c.image,
    ImageID: c.imageId,
    Command: dockerCommand(c.pathAndArgs),
    Created: Math.floor((c.createdAt?.getTime() ?? 0) / 1000),
    Ports: summaryPorts(model.NetworkSettings?.Ports),
    // omitempty, as Docker's: absent unless sizes were asked for and are not zero
    ...(size?.rw ? { SizeRw: size.rw } : {}),
    ...(size?.rootFs ? { SizeRootFs: size.rootFs } : {}),
    Labels: c.labels,
    State: c.state?.status ?? '',
    Status: c.state ? statusText(c.state, now) : '',
    HostConfig: { NetworkMode: model.HostConfig?.NetworkMode ?? 'default' },
    NetworkSettings: { Networks: model.NetworkSettings?.Networks ?? {} },
    Mounts: model.Mounts ?? [],
  };
}
