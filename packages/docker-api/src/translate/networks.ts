// Docker's network JSON ↔ ce.network.v1 messages. The network travels from ced
// as Docker's NetworkResource JSON already (network_json), so replies pass it on.
import { internal, invalidArgument } from '@ce/protocol';
import type { ConnectNetworkRequest, CreateNetworkRequest, DisconnectNetworkRequest, Network } from '@ce/protocol/gen/ce/network/v1/network';
import { BodyFields } from './body-fields.js';

/**
 * POST /networks/create's body (Docker's NetworkCreateRequest) as ce's request.
 * CheckDuplicate is read for its type only: ce keeps network names unique, so a
 * name taken is a 409 with or without it (dockerd without it makes a second
 * network of the name and warns).
 */
export function networkCreateRequest(body: unknown): CreateNetworkRequest {
  const fields = new BodyFields(body, 'types.NetworkCreateRequest');
  fields.bool('CheckDuplicate');
  const ipam = fields.nested('IPAM', 'network.IPAM');
  return {
    name: fields.string('Name'),
    driver: fields.string('Driver'),
    internal: fields.bool('Internal'),
    attachable: fields.bool('Attachable'),
    enableIpv6: fields.bool('EnableIPv6'),
    ipamDriver: ipam.string('Driver'),
    ipamConfig: ipam.nestedList('Config', 'network.IPAMConfig').map((c) => ({
      subnet: c.string('Subnet'),
      ipRange: c.string('IPRange'),
      gateway: c.string('Gateway'),
      auxiliaryAddresses: c.stringMap('AuxiliaryAddresses'),
    })),
    ipamOptions: ipam.stringMap('Options'),
    options: fields.stringMap('Options'),
    labels: fields.stringMap('Labels'),
  };
}

/** POST /networks/{id}/connect's body (Docker's NetworkConnect) as ce's request. */
export function networkConnectRequest(network: string, body: unknown): ConnectNetworkRequest {
  const fields = new BodyFields(body, 'types.NetworkConnect');
  const endpoint = fields.nested('EndpointConfig', 'network.EndpointSettings');
  const ipam = endpoint.nested('IPAMConfig', 'network.EndpointIPAMConfig');
  if (ipam.string('IPv6Address')) throw invalidArgument('IPv6 addresses are not supported by ce: its networks are IPv4 only');
  return {
    network,
    container: fields.string('Container'),
    endpoint: { aliases: endpoint.strings('Aliases'), ipv4Address: ipam.string('IPv4Address'), links: endpoint.strings('Links') },
  };
}

/** POST /networks/{id}/disconnect's body (Docker's NetworkDisconnect) as ce's request. */
export function networkDisconnectRequest(network: string, body: unknown): DisconnectNetworkRequest {
  const fields = new BodyFields(body, 'types.NetworkDisconnect');
  return { network, container: fields.string('Container'), force: fields.bool('Force') };
}

/** A network as Docker's NetworkResource JSON. */
export function dockerNetwork(network: Network): Record<string, unknown> {
  try {
    return JSON.parse(network.networkJson) as Record<string, unknown>;
  } catch (err) {
    throw internal(`the daemon sent network ${network.id} as JSON that does not parse: ${(err as Error).message}`);
  }
}
