import type { PortBindingRequest } from '@ce/network';
import { portPublishRequests } from '@ce/protocol/port-specs';
import type { ContainerRecord } from '../containers/record.js';

/**
 * The ports a container publishes: HostConfig.PortBindings, and with
 * PublishAllPorts (-P) every exposed port not bound already, on a free host port.
 */
export function portBindingRequests(record: ContainerRecord): PortBindingRequest[] {
  const bindings = record.HostConfig.PortBindings ?? {};
  const requests: PortBindingRequest[] = portPublishRequests(bindings);
  if (record.HostConfig.PublishAllPorts) {
    const unbound = Object.keys(record.Config.ExposedPorts ?? {}).filter((key) => !bindings[key]?.length);
    requests.push(...portPublishRequests(Object.fromEntries(unbound.map((key) => [key, [{ HostIp: '', HostPort: '' }]]))));
  }
  return requests;
}
