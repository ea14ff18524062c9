import type { AttachRequest, ContainerNetworking, Endpoint, NetworkResource } from '@ce/network';
import { notFound } from '@ce/protocol/errors';
import type { ContainerRecord } from '../../src/containers/record.js';
import type { ContainerEtcFiles, EtcFacts } from '../../src/networking/etc-files.js';

/** Containers' networking in memory; connect fails for the networks named in `failOn`. */
export class FakeNetworking implements ContainerNetworking {
  readonly sandboxes = new Set<string>();
  readonly attached = new Map<string, Endpoint[]>();
  readonly requests: Array<{ network: string; req: AttachRequest }> = [];
  constructor(private readonly failOn: string[] = []) {}
  async createSandbox(id: string) {
    this.sandboxes.add(id);
    return `/run/ce/netns/${id}`;
  }
  async removeSandbox(id: string) {
    this.sandboxes.delete(id);
  }
  async connect(ref: string, req: AttachRequest): Promise<Endpoint> {
    const network = ref.replace(/-id$/, '');
    this.requests.push({ network, req });
    if (this.failOn.includes(network)) throw new Error(`no network ${network}`);
    const n = this.requests.length + 1;
    const ep: Endpoint = {
      id: `${n}`.padStart(64, 'e'),
      networkId: `${network}-id`,
      networkName: network,
      containerId: req.containerId,
      ifName: req.ifName ?? 'eth0',
      hostIfName: `veth${n}`,
      ipAddress: `10.0.${n}.2`,
      prefixLen: 24,
      gateway: `10.0.${n}.1`,
      macAddress: `02:42:0a:00:0${n}:02`,
      aliases: req.aliases ?? [],
      ports: (req.ports ?? []).map((p) => ({ protocol: p.protocol, hostIp: p.hostIp, hostPort: p.hostPort || 49153, containerIp: `10.0.${n}.2`, containerPort: p.containerPort, bridge: 'ce0', containerId: req.containerId })),
      dnsServer: network === 'bridge' ? undefined : `10.0.${n}.1`,
    };
    this.attached.set(req.containerId, [...(this.attached.get(req.containerId) ?? []), ep]);
    return ep;
  }
  async disconnect(network: string, containerId: string) {
    this.attached.set(containerId, (this.attached.get(containerId) ?? []).filter((e) => e.networkId !== network && e.networkName !== network));
  }
  async endpoints(containerId: string) {
    return this.attached.get(containerId) ?? [];
  }
  async reconcile() {}
  /** NetworkService.inspect over the names given (the predefined ones and `app`, `back`, `front` by default). */
  names = ['bridge', 'host', 'none', 'app', 'back', 'front'];
  async inspect(ref: string): Promise<NetworkResource> {
    const name = this.names.find((n) => n === ref || `${n}-id` === ref);
    if (!name) throw notFound(`network ${ref} not found`);
    return { Name: name, Id: `${name}-id`, Driver: name === 'none' ? 'null' : name === 'host' ? 'host' : 'bridge' } as NetworkResource;
  }
}

export class FakeEtcFiles implements ContainerEtcFiles {
  facts?: EtcFacts;
  async write(record: ContainerRecord, facts: EtcFacts) {
    this.facts = facts;
    return { hosts: `/c/${record.Id}/hosts`, hostname: `/c/${record.Id}/hostname`, resolvConf: `/c/${record.Id}/resolv.conf` };
  }
  rewritten?: EtcFacts;
  async rewrite(_record: ContainerRecord, facts: EtcFacts) {
    this.rewritten = facts;
  }
  forget() {}
  resumed: string[] = [];
  async resume(record: ContainerRecord) {
    this.resumed.push(record.Id);
  }
}

