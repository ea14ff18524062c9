// ce.network.v1 messages ↔ @ce/network's Docker-shaped model. The network
// itself travels as Docker's JSON, so nothing of NetworkResource is lost.
import type { CreateNetworkRequest, IpamConfig, NetworkResource } from '@ce/network';
import { internal } from '@ce/protocol/errors';
import type {
  CreateNetworkRequest as CreateNetworkRequestPb,
  IpamConfig as IpamConfigPb,
  Network,
} from '@ce/protocol/gen/ce/network/v1/network';

export function toNetworkMessage(n: NetworkResource): Network {
  return {
    id: n.Id,
    name: n.Name,
    driver: n.Driver,
    scope: n.Scope,
    internal: n.Internal,
    enableIpv6: n.EnableIPv6,
    labels: n.Labels ?? {},
    created: n.Created,
    networkJson: JSON.stringify(n),
  };
}

export function fromNetworkMessage(m: Network): NetworkResource {
  try {
    return JSON.parse(m.networkJson) as NetworkResource;
  } catch (err) {
    throw internal(`the daemon sent network ${m.id} as JSON that does not parse: ${(err as Error).message}`);
  }
}

export function createRequestToPb(req: CreateNetworkRequest): CreateNetworkRequestPb {
  return {
    name: req.Name,
    driver: req.Driver ?? '',
    internal: req.Internal ?? false,
    attachable: req.Attachable ?? false,
    enableIpv6: req.EnableIPv6 ?? false,
    ipamDriver: req.IPAM?.Driver ?? '',
    ipamConfig: (req.IPAM?.Config ?? []).map(
      (c): IpamConfigPb => ({ subnet: c.Subnet ?? '', ipRange: c.IPRange ?? '', gateway: c.Gateway ?? '', auxiliaryAddresses: c.AuxiliaryAddresses ?? {} }),
    ),
    ipamOptions: req.IPAM?.Options ?? {},
    options: req.Options ?? {},
    labels: req.Labels ?? {},
  };
}

/** Only what was given: an empty field of the message is a field left out of Docker's request. */
export function createRequestFromPb(pb: CreateNetworkRequestPb): CreateNetworkRequest {
  const req: CreateNetworkRequest = { Name: pb.name };
  if (pb.driver) req.Driver = pb.driver;
  if (pb.internal) req.Internal = true;
  if (pb.attachable) req.Attachable = true;
  if (pb.enableIpv6) req.EnableIPv6 = true;
  const hasOptions = Object.keys(pb.ipamOptions).length > 0;
  if (pb.ipamDriver || pb.ipamConfig.length || hasOptions) {
    req.IPAM = {
      ...(pb.ipamDriver ? { Driver: pb.ipamDriver } : {}),
      Config: pb.ipamConfig.map(ipamConfigFromPb),
      ...(hasOptions ? { Options: pb.ipamOptions } : {}),
    };
  }
  if (Object.keys(pb.options).length) req.Options = pb.options;
  if (Object.keys(pb.labels).length) req.Labels = pb.labels;
  return req;
}

function ipamConfigFromPb(c: IpamConfigPb): IpamConfig {
  const config: IpamConfig = {};
  if (c.subnet) config.Subnet = c.subnet;
  if (c.ipRange) config.IPRange = c.ipRange;
  if (c.gateway) config.Gateway = c.gateway;
  if (Object.keys(c.auxiliaryAddresses).length) config.AuxiliaryAddresses = c.auxiliaryAddresses;
  return config;
}
