// After a restart: the running containers on user-defined networks get back
// what their embedded DNS servers kept in memory only (their --dns upstreams
// and ndots), which a SIGKILL or a stop of ced lost.
import type { ContainerNetworking } from '@ce/network';
import type { ContainerRecord } from '../containers/record.js';
import type { ContainerEtcFiles } from './etc-files.js';

export async function resumeEtcFiles(running: readonly ContainerRecord[], networking: Pick<ContainerNetworking, 'endpoints'>, etcFiles: ContainerEtcFiles): Promise<void> {
  for (const record of running) {
    const endpoints = await networking.endpoints(record.Id);
    const dnsServers = endpoints.flatMap((ep) => (ep.dnsServer ? [ep.dnsServer] : []));
    if (dnsServers.length) await etcFiles.resume(record, { hostNetwork: false, addresses: endpoints.map((ep) => ep.ipAddress), dnsServers });
  }
}
