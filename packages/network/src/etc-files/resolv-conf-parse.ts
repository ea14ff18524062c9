// Reading and writing resolv.conf text as libnetwork's resolvconf package of
// Docker 20.10 does, expression for expression: the same lenient patterns
// (RE2's \s is [\t\n\f\r ]), comments cut at the first '#', the last
// `search` and `options` lines winning.

const S = '[\\t\\n\\f\\r ]';
const IPV4_BLOCK = '(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)';
const IPV4 = `(${IPV4_BLOCK}\\.){3}${IPV4_BLOCK}`;
// A superset of IPv6, as Docker's: enough to tell the kinds apart.
const IPV6 = '([0-9A-Fa-f]{0,4}:){2,7}([0-9A-Fa-f]{0,4})(%\\w+)?';
const LOCALHOST = '((127\\.([0-9]{1,3}\\.){2}[0-9]{1,3})|(::1))';

const LOCALHOST_NAMESERVER_LINES = new RegExp(`^nameserver${S}+${LOCALHOST}${S}*\\n*`, 'gm');
const IPV6_NAMESERVER_LINES = new RegExp(`^nameserver${S}+${IPV6}${S}*\\n*`, 'gm');
const NAMESERVER = {
  ip: new RegExp(`^${S}*nameserver${S}*((${IPV4})|(${IPV6}))${S}*$`),
  ipv4: new RegExp(`^${S}*nameserver${S}*((${IPV4}))${S}*$`),
  ipv6: new RegExp(`^${S}*nameserver${S}*((${IPV6}))${S}*$`),
};
const SEARCH = new RegExp(`^${S}*search${S}*(([^\\t\\n\\f\\r ]+${S}*)*)$`);
const OPTIONS = new RegExp(`^${S}*options${S}*(([^\\t\\n\\f\\r ]+${S}*)*)$`);

/** Google's public resolvers, Docker's fallback when no usable nameserver is left. */
export const DEFAULT_IPV4_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];
export const DEFAULT_IPV6_NAMESERVERS = ['2001:4860:4860::8888', '2001:4860:4860::8844'];

export type NameserverKind = keyof typeof NAMESERVER;

function linesWithoutComments(content: string): string[] {
  return content.split('\n').map((line) => {
    const hash = line.indexOf('#');
    return hash === -1 ? line : line.slice(0, hash);
  });
}

function fields(text: string): string[] {
  return text.split(/[\t\n\f\r ]+/).filter(Boolean);
}

export function resolvNameservers(content: string, kind: NameserverKind = 'ip'): string[] {
  const found: string[] = [];
  for (const line of linesWithoutComments(content)) {
    const m = NAMESERVER[kind].exec(line);
    if (m) found.push(m[1]!);
  }
  return found;
}

function lastLineArguments(content: string, pattern: RegExp): string[] {
  let args: string[] = [];
  for (const line of linesWithoutComments(content)) {
    const m = pattern.exec(line);
    if (m) args = fields(m[1] ?? '');
  }
  return args;
}

export function resolvSearchDomains(content: string): string[] {
  return lastLineArguments(content, SEARCH);
}

export function resolvOptions(content: string): string[] {
  return lastLineArguments(content, OPTIONS);
}

/**
 * The host's file made fit for a container: the localhost nameservers
 * (127.x, ::1) removed, the IPv6 ones too without IPv6, and Docker's default
 * public resolvers appended when no nameserver is left.
 */
export function filterResolvConf(content: string, ipv6Enabled: boolean): string {
  let cleaned = content.replace(LOCALHOST_NAMESERVER_LINES, '');
  if (!ipv6Enabled) cleaned = cleaned.replace(IPV6_NAMESERVER_LINES, '');
  if (resolvNameservers(cleaned).length === 0) {
    const defaults = ipv6Enabled ? [...DEFAULT_IPV4_NAMESERVERS, ...DEFAULT_IPV6_NAMESERVERS] : DEFAULT_IPV4_NAMESERVERS;
    cleaned += '\n' + defaults.map((ns) => `nameserver ${ns}`).join('\n');
  }
  return cleaned;
}

/** A new file: the search line (unless only "."), a nameserver line each, the options line. */
export function formatResolvConf(nameservers: readonly string[], search: readonly string[], options: readonly string[]): string {
  let out = '';
  const searchLine = search.join(' ');
  if (search.length > 0 && searchLine.replace(/^ +| +$/g, '') !== '.') out += `search ${searchLine}\n`;
  for (const ns of nameservers) out += `nameserver ${ns}\n`;
  const optionsLine = options.join(' ');
  if (optionsLine.replace(/^ +| +$/g, '') !== '') out += `options ${optionsLine}\n`;
  return out;
}
