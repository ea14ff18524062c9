import { withDefaultSysctls, type SpecOpt } from '@ce/runtime/spec';

const UNPRIVILEGED_NETWORK = withDefaultSysctls({ 'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.ping_group_range': '0 2147483647' });

/**
 * Docker 20.10's sysctls for a container with its own network namespace:
 * any user may bind ports below 1024 and open ICMP echo sockets (ping without
 * CAP_NET_RAW). Both only reach the container's own namespace; sysctls set
 * by the caller win. A container in the host's namespace or another
 * container's gets none of them: they would change the host, or a namespace
 * the container does not own.
 */
export function dockerNetworkSysctls(networkMode: string): SpecOpt {
  return (spec, ctx) => {
    if (networkMode === 'host' || networkMode.startsWith('container:')) return;
    return UNPRIVILEGED_NETWORK(spec, ctx);
  };
}
