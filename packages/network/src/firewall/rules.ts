// The iptables rules of ce's bridge networks and published ports, as Docker
// 20.10's bridge driver programs them with its userland proxy off (hairpin
// mode), but in ce's own chains. Pure: every rule is written exactly as
// iptables-save prints it (option order, /32 on hosts, quoted comments), so
// a rule is found in a save by string equality.
import { invalidArgument } from '@ce/protocol/errors';
import type { FirewallNetwork, PortMapping, PortProtocol } from '../firewall.js';

export type Table = 'filter' | 'nat';

export interface Rule {
  table: Table;
  chain: string;
  /** The rule after `-A <chain> `, in iptables-save's form. */
  args: string;
  /** Inserted first in its chain (the jump from FORWARD, the isolation jump) rather than appended. */
  first?: boolean;
}

/** ce's chains for one prefix (a test or a test daemon uses its own). */
export interface Chains {
  prefix: string;
  /** nat: the published ports' DNAT (Docker's nat DOCKER); filter: their ACCEPT (Docker's filter DOCKER). */
  ports: string;
  /** filter: jumped to from FORWARD. */
  forward: string;
  /** nat: jumped to from POSTROUTING. */
  postrouting: string;
  isolation1: string;
  isolation2: string;
}

/** iptables' longest chain name (XT_EXTENSION_MAXNAMELEN - 1). */
const MAX_CHAIN_NAME = 28;
const LONGEST_SUFFIX = '-POSTROUTING';

export function chainsFor(prefix: string): Chains {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(prefix) || prefix.length + LONGEST_SUFFIX.length > MAX_CHAIN_NAME) {
    throw invalidArgument(
      `invalid chain prefix ${JSON.stringify(prefix)}: letters, digits, '-' and '_', starting with a letter, at most ${MAX_CHAIN_NAME - LONGEST_SUFFIX.length} characters`,
    );
  }
  return {
    prefix,
    ports: prefix,
    forward: `${prefix}-FORWARD`,
    postrouting: `${prefix}-POSTROUTING`,
    isolation1: `${prefix}-ISOLATION-1`,
    isolation2: `${prefix}-ISOLATION-2`,
  };
}

/** Every chain of a prefix, by table. */
export function chainsByTable(c: Chains): Record<Table, string[]> {
  return { filter: [c.ports, c.forward, c.isolation1, c.isolation2], nat: [c.ports, c.postrouting] };
}

/**
 * The jumps from the built-in chains and the isolation jump: all ce adds
 * outside its own chains. PREROUTING and OUTPUT send traffic for a local
 * address, loopback included (hairpin mode: no `! -d 127.0.0.0/8`), to the
 * published ports.
 */
export function baseRules(c: Chains): Rule[] {
  return [
    { table: 'filter', chain: 'FORWARD', args: `-j ${c.forward}`, first: true },
    { table: 'filter', chain: c.forward, args: `-j ${c.isolation1}`, first: true },
    { table: 'nat', chain: 'PREROUTING', args: `-m addrtype --dst-type LOCAL -j ${c.ports}` },
    { table: 'nat', chain: 'OUTPUT', args: `-m addrtype --dst-type LOCAL -j ${c.ports}` },
    { table: 'nat', chain: 'POSTROUTING', args: `-j ${c.postrouting}` },
  ];
}

const IFNAME = /^[^\s/:'"]{1,15}$/;

function checkIfName(name: string): string {
  if (!IFNAME.test(name)) throw invalidArgument(`invalid bridge name ${JSON.stringify(name)}`);
  return name;
}

function ipv4ToInt(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function checkIpv4(ip: string, what: string): string {
  if (ipv4ToInt(ip) === null) throw invalidArgument(`invalid ${what} ${JSON.stringify(ip)}: an IPv4 address is required`);
  return ip;
}

/** '10.1.2.3/24' → '10.1.2.0/24', as iptables-save prints a source or destination network. */
export function networkOf(cidr: string): string {
  const [ip, len] = cidr.split('/');
  const n = ipv4ToInt(ip ?? '');
  const bits = Number(len);
  if (n === null || !/^\d{1,2}$/.test(len ?? '') || bits > 32) throw invalidArgument(`invalid subnet ${JSON.stringify(cidr)}: an IPv4 CIDR is required`);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return `${intToIpv4((n & mask) >>> 0)}/${bits}`;
}

/**
 * A network's rules. Not internal: masquerade of its subnet going out (when
 * `masquerade`), masquerade of host-local sources entering the bridge (the
 * loopback and hairpin case), forwarding of replies, of the bridge's own
 * traffic out, and through the published ports' chain; two-stage isolation
 * from ce's other networks. Internal: only its members reach each other.
 */
export function networkRules(c: Chains, net: FirewallNetwork): Rule[] {
  const br = checkIfName(net.bridge);
  const subnet = networkOf(net.subnet);
  const icc = `-i ${br} -o ${br} -j ${net.icc ? 'ACCEPT' : 'DROP'}`;
  if (net.internal) {
    return [
      { table: 'filter', chain: c.isolation1, args: `! -d ${subnet} -i ${br} -j DROP` },
      { table: 'filter', chain: c.isolation1, args: `! -s ${subnet} -o ${br} -j DROP` },
      { table: 'filter', chain: c.forward, args: icc },
    ];
  }
  const rules: Rule[] = [];
  if (net.masquerade) rules.push({ table: 'nat', chain: c.postrouting, args: `-s ${subnet} ! -o ${br} -j MASQUERADE` });
  rules.push(
    { table: 'nat', chain: c.postrouting, args: `-o ${br} -m addrtype --src-type LOCAL -j MASQUERADE` },
    { table: 'filter', chain: c.forward, args: `-o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT` },
    { table: 'filter', chain: c.forward, args: `-o ${br} -j ${c.ports}` },
    { table: 'filter', chain: c.forward, args: `-i ${br} ! -o ${br} -j ACCEPT` },
    { table: 'filter', chain: c.forward, args: icc },
    { table: 'filter', chain: c.isolation1, args: `-i ${br} ! -o ${br} -j ${c.isolation2}` },
    { table: 'filter', chain: c.isolation2, args: `-o ${br} -j DROP` },
  );
  return rules;
}

const PROTOCOLS: readonly PortProtocol[] = ['tcp', 'udp', 'sctp'];

function checkPort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalidArgument(`invalid ${what} ${port}: 1 to 65535`);
  return port;
}

function isAnyAddress(hostIp: string): boolean {
  return hostIp === '' || hostIp === '0.0.0.0';
}

/** The comment that lets listPortMappings read a mapping back from its DNAT rule. */
function mappingComment(m: PortMapping): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(m.containerId)) throw invalidArgument(`invalid container id ${JSON.stringify(m.containerId)}`);
  return `ce:${m.containerId}:${m.bridge}`;
}

function checkMapping(m: PortMapping): void {
  if (!PROTOCOLS.includes(m.protocol)) throw invalidArgument(`invalid protocol ${JSON.stringify(m.protocol)}: tcp, udp or sctp`);
  if (!isAnyAddress(m.hostIp)) checkIpv4(m.hostIp, 'host IP');
  checkIpv4(m.containerIp, 'container IP');
  checkPort(m.hostPort, 'host port');
  checkPort(m.containerPort, 'container port');
  checkIfName(m.bridge);
}

/** The DNAT of the host port (a local address, loopback included). */
export function dnatRule(c: Chains, m: PortMapping): Rule {
  checkMapping(m);
  const dst = isAnyAddress(m.hostIp) ? '' : `-d ${m.hostIp}/32 `;
  return {
    table: 'nat',
    chain: c.ports,
    args: `${dst}-p ${m.protocol} -m ${m.protocol} --dport ${m.hostPort} -m comment --comment "${mappingComment(m)}" -j DNAT --to-destination ${m.containerIp}:${m.containerPort}`,
  };
}

/**
 * What reaching the container's port takes besides the DNAT: forwarding in
 * from outside the bridge, and masquerade of the container reaching itself
 * through its published port (hairpin). Two mappings of one container port
 * share these.
 */
export function containerPortRules(c: Chains, m: PortMapping): Rule[] {
  checkMapping(m);
  const p = `-p ${m.protocol} -m ${m.protocol} --dport ${m.containerPort}`;
  const ip = `${m.containerIp}/32`;
  return [
    { table: 'filter', chain: c.ports, args: `-d ${ip} ! -i ${m.bridge} -o ${m.bridge} ${p} -j ACCEPT` },
    { table: 'nat', chain: c.postrouting, args: `-s ${ip} -d ${ip} ${p} -j MASQUERADE` },
  ];
}

export function portMappingRules(c: Chains, m: PortMapping): Rule[] {
  return [dnatRule(c, m), ...containerPortRules(c, m)];
}

const DNAT_RULE =
  /^(?:-d (\S+)\/32 )?-p (tcp|udp|sctp) -m \2 --dport (\d+) -m comment --comment "ce:([^:"]+):([^:"]+)" -j DNAT --to-destination ([\d.]+):(\d+)$/;

/** A DNAT rule of `ports` read back as the mapping it programs; null for any other rule. */
export function parseDnatRule(args: string): PortMapping | null {
  const m = DNAT_RULE.exec(args);
  if (!m) return null;
  return {
    protocol: m[2] as PortProtocol,
    hostIp: m[1] ?? '',
    hostPort: Number(m[3]),
    containerIp: m[6]!,
    containerPort: Number(m[7]),
    bridge: m[5]!,
    containerId: m[4]!,
  };
}

export function ruleKey(r: Rule): string {
  return `${r.table} -A ${r.chain} ${r.args}`;
}
