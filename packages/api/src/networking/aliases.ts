import type { DnsLink } from '@ce/network';
import { DEFAULT_NETWORK } from './network-mode.js';

/**
 * The aliases a container has on a network, as Docker 20.10 records them:
 * on a user-defined network the ones asked for, then its short id (unless
 * asked already); on the predefined networks none.
 */
export function endpointAliases(network: string, asked: readonly string[] | null, containerId: string): string[] | null {
  if (network === DEFAULT_NETWORK || network === 'host' || network === 'none') return asked?.length ? [...asked] : null;
  const shortId = containerId.slice(0, 12);
  const aliases = [...(asked ?? [])];
  if (!aliases.includes(shortId)) aliases.push(shortId);
  return aliases;
}

/** An endpoint's Links ("container" or "container:alias", as `--link` on a user-defined network gives them) as DNS links. */
export function endpointLinks(links: readonly string[] | null | undefined): DnsLink[] {
  return (links ?? []).map((link) => {
    const [name = '', alias = ''] = link.split(':');
    return { name: name.replace(/^\//, ''), alias: alias.split('/').filter(Boolean).pop() || name.replace(/^\//, '') };
  });
}
