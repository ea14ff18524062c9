import { applySpecOptsSync, withDefaultSysctls, type Spec, type SpecOpt } from '@ce/runtime/spec';

const UNPRIVILEGED_NETWORK = withDefaultSysctls({ 'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.ping_group_range': '0 2147483647' });

/**
 * Docker 20.10's sysctls for a container with its own network namespace:
 * any user may bind ports below 1024 and open ICMP echo sockets (ping without
 * CAP_NET_RAW). Both only reach the container's own namespace; sysctls set
 * by the caller win. A container in another's or the host's namespace gets
 * none of them, so this option goes after the namespace options.
 */
export function dockerNetworkSysctls(): SpecOpt {
  return (spec, ctx) => {
    const ownNetns = spec.linux?.namespaces?.some((n) => n.type === 'network' && !n.path);
    if (ownNetns) return UNPRIVILEGED_NETWORK(spec, ctx);
  };
}

/** dockerNetworkSysctls applied to `spec` (in place); returns it. */
export function withNetworkSysctls(spec: Spec): Spec {
  return applySpecOptsSync(spec, [dockerNetworkSysctls()]);
}
