import type { Spec } from '@ce/runtime';

/**
 * Docker 20.10's sysctls for a container with its own network namespace:
 * any user may bind ports below 1024 and open ICMP echo sockets (ping without
 * CAP_NET_RAW). Both only reach the container's own namespace; sysctls set
 * by the caller win. A container in another's or the host's namespace gets
 * none of them.
 */
export function withNetworkSysctls(spec: Spec): Spec {
  const ownNetns = spec.linux?.namespaces?.some((n) => n.type === 'network' && !n.path);
  if (!ownNetns) return spec;
  spec.linux = {
    ...spec.linux,
    sysctl: { 'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.ping_group_range': '0 2147483647', ...(spec.linux?.sysctl ?? {}) },
  };
  return spec;
}
