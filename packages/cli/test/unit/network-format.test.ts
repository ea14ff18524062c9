// ce network ls / prune / inspect --format and ce port output; expected
// values are docker 20.10.24's for the same networks and ports.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Network } from '@ce/protocol/gen/ce/network/v1/network';
import { networkPruneOutput } from '../../src/commands/network-prune.js';
import { parseDockerFormat, parseDockerTemplate, renderDockerFormat } from '../../src/format/docker-format.js';
import { NETWORK_SHAPES, networkTemplateJson } from '../../src/format/docker-shapes.js';
import { executeInspectTemplate } from '../../src/format/inspect-format.js';
import { naturalCompare, networkContext, networksFormat, networksHeader } from '../../src/networks-format.js';
import { allPortLines, privatePortLines } from '../../src/port-mappings.js';

const n1Json = {
  Name: 'n1',
  Id: '665fee8ec126b3cb3e934f2eb76d5892666e0c32243531f4be4710dcf2f0b822',
  Created: '2026-12-06T22:50:30.664119556Z',
  Scope: 'local',
  Driver: 'bridge',
  EnableIPv6: false,
  IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: '10.213.7.0/24', IPRange: '10.213.7.128/25', Gateway: '10.213.7.1', AuxiliaryAddresses: { a: '10.213.7.5' } }] },
  Internal: true,
  Attachable: true,
  Ingress: false,
  ConfigFrom: { Network: '' },
  ConfigOnly: false,
  Containers: {},
  Options: { 'com.docker.network.bridge.name': 'cenc22037' },
  Labels: { x: '1', y: '' },
};

const message = (json: typeof n1Json): Network => ({
  id: json.Id,
  name: json.Name,
  driver: json.Driver,
  scope: json.Scope,
  internal: json.Internal,
  enableIpv6: json.EnableIPv6,
  labels: json.Labels,
  created: json.Created,
  networkJson: JSON.stringify(json),
});

const n1 = message(n1Json);
const host = message({ ...n1Json, Name: 'host', Id: 'e940559d8b457e42850971716ff3a2efaf521406fcaded07015c23b8fab8d719', Driver: 'host', Created: '2026-12-06T22:50:30.425678938Z', Internal: false, Labels: {} });
const none = message({ ...n1Json, Name: 'none', Id: 'cb7cdc2328fc8aa8dce2317349b0c748a6460e5b0bb20f958e5ea3a771214e6f', Driver: 'null', Created: '2026-12-06T22:50:30.398539768Z', Internal: false, Labels: {} });

function ls(format: string | undefined, o: { quiet?: boolean; trunc?: boolean } = {}): string {
  const networks = [n1, none, host].sort((a, b) => naturalCompare(a.name, b.name));
  return renderDockerFormat(parseDockerFormat(networksFormat(format, !!o.quiet)), networks.map((n) => networkContext(n, { trunc: o.trunc ?? true })), networksHeader());
}

beforeAll(() => {
  process.env.TZ = 'UTC';
});

describe('ce network ls', () => {
  it("prints docker's table, sorted by name", () => {
    expect(ls(undefined)).toBe(
      'NETWORK ID     NAME      DRIVER    SCOPE\n' +
        'e940559d8b45   host      host      local\n' +
        '665fee8ec126   n1        bridge    local\n' +
        'cb7cdc2328fc   none      null      local\n',
    );
  });

  it('prints whole ids with --no-trunc, and ids only with -q', () => {
    expect(ls(undefined, { trunc: false }).split('\n')[2]).toBe('665fee8ec126b3cb3e934f2eb76d5892666e0c32243531f4be4710dcf2f0b822   n1        bridge    local');
    expect(ls(undefined, { quiet: true })).toBe('e940559d8b45\n665fee8ec126\ncb7cdc2328fc\n');
  });

  it('gives a template the fields of docker\'s networkContext', () => {
    expect(ls('{{.ID}} {{.Name}} {{.IPv6}} {{.Internal}} {{.Labels}} {{.Label "x"}} {{.CreatedAt}}').split('\n')[1]).toBe(
      '665fee8ec126 n1 false true x=1,y= 1 2026-12-06 22:50:30.664119556 +0000 UTC',
    );
    expect(ls('{{json .}}').split('\n')[1]).toBe(
      '{"CreatedAt":"2026-12-06 22:50:30.664119556 +0000 UTC","Driver":"bridge","ID":"665fee8ec126","IPv6":"false","Internal":"true","Labels":"x=1,y=","Name":"n1","Scope":"local"}',
    );
  });

  it('orders names naturally', () => {
    expect(['n10', 'n2', 'bridge', 'n1'].sort(naturalCompare)).toEqual(['bridge', 'n1', 'n2', 'n10']);
  });
});

describe('ce network inspect --format', () => {
  const run = (text: string) => executeInspectTemplate(parseDockerTemplate(text), networkTemplateJson(n1Json), NETWORK_SHAPES);

  it('sees Go values: IPAM pools as structs, maps as maps', () => {
    expect(run('{{.Name}} {{.IPAM.Config}} {{.Containers}}')).toBe('n1 [{10.213.7.0/24 10.213.7.128/25 10.213.7.1 map[a:10.213.7.5]}] map[]');
    expect(run('{{range .IPAM.Config}}{{.Subnet}}{{end}} {{index .Options "com.docker.network.bridge.name"}}')).toBe('10.213.7.0/24 cenc22037');
  });

  it("puts a pool's omitted fields back in their place", () => {
    const json = { ...n1Json, IPAM: { ...n1Json.IPAM, Config: [{ Subnet: '10.0.0.0/24', Gateway: '10.0.0.1' }] } };
    expect(executeInspectTemplate(parseDockerTemplate('{{.IPAM.Config}}'), networkTemplateJson(json as never), NETWORK_SHAPES)).toBe('[{10.0.0.0/24  10.0.0.1 map[]}]');
  });
});

describe('ce network prune', () => {
  it("prints docker's list of deleted networks, or nothing", () => {
    expect(networkPruneOutput(['n3', 'n4'])).toBe('Deleted Networks:\nn3\nn4\n\n');
    expect(networkPruneOutput([])).toBe('');
  });
});

describe('ce port', () => {
  const ports = { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }], '443/tcp': null, '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }] };

  it('lists every published port', () => {
    expect(allPortLines(ports)).toBe('53/udp -> 127.0.0.1:5353\n80/tcp -> 0.0.0.0:8080\n80/tcp -> :::8080\n');
    expect(allPortLines(null)).toBe('');
  });

  it('prints the host side of one port', () => {
    expect(privatePortLines(ports, '80', 'web')).toBe('0.0.0.0:8080\n:::8080\n');
    expect(privatePortLines(ports, '53/udp', 'web')).toBe('127.0.0.1:5353\n');
  });

  it("fails in docker's words for a port that is not published or does not parse", () => {
    expect(() => privatePortLines(ports, '81', 'web')).toThrow("Error: No public port '81/tcp' published for web");
    expect(() => privatePortLines(ports, '443', 'web')).toThrow("Error: No public port '443/tcp' published for web");
    expect(() => privatePortLines(ports, '80/udp', 'web')).toThrow("Error: No public port '80/udp' published for web");
    expect(() => privatePortLines(ports, 'x', 'web')).toThrow('strconv.ParseUint: parsing "x": invalid syntax');
  });
});
