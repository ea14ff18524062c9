// ce's image records (one per name, as `ce images` lists them) → the CRI's
// Image (one per image id, with all its names), as containerd's CRI plugin
// shapes it (toCRIImage).
import { parseReference } from '@ce/protocol/reference';
import type { Image as CeImage } from '@ce/protocol/gen/ce/images/v1/images';
import type { Image as CriImage } from './gen/runtime/v1/api.js';

/** The records of each image id, in the order ids first appear. */
export function groupById(records: readonly CeImage[]): Map<string, CeImage[]> {
  const groups = new Map<string, CeImage[]>();
  for (const record of records) {
    const group = groups.get(record.id);
    if (group) group.push(record);
    else groups.set(record.id, [record]);
  }
  return groups;
}

/**
 * repo_tags are the names with a tag ("docker.io/library/busybox:latest");
 * repo_digests name each repository by the manifest its name points at
 * ("docker.io/library/busybox@sha256:…"), once each.
 */
export function toCriImage(records: readonly CeImage[], configUser: string, pinned: boolean): CriImage {
  const [first] = records;
  if (!first) throw new Error('toCriImage: an image has at least one record');
  const repoTags: string[] = [];
  const repoDigests = new Set<string>();
  for (const record of records) {
    if (!record.name) continue;
    const ref = parseReference(record.name);
    if (ref.tag !== undefined && !ref.digest) repoTags.push(ref.toString());
    const digest = ref.digest ?? record.target?.digest;
    if (digest) repoDigests.add(`${ref.name}@${digest}`);
  }
  const { uid, username } = imageUser(configUser);
  return {
    id: first.id,
    repoTags,
    repoDigests: [...repoDigests],
    size: BigInt(Math.max(...records.map((r) => r.size))),
    uid: uid === undefined ? undefined : { value: uid },
    username,
    spec: { image: first.id, annotations: {}, userSpecifiedImage: '', runtimeHandler: '' },
    pinned,
  };
}

/** The config's User → uid when numeric (the group after ':' is dropped), otherwise the user name. */
export function imageUser(user: string): { uid?: bigint; username: string } {
  if (!user) return { username: '' };
  const name = user.split(':')[0]!;
  return /^\d+$/.test(name) ? { uid: BigInt(name), username: '' } : { username: name };
}

/** The User of an image config (OCI or Docker JSON); '' when it sets none. */
export function configUserOf(configJson: Buffer): string {
  try {
    const config = JSON.parse(configJson.toString('utf8')) as { config?: { User?: unknown } };
    return typeof config.config?.User === 'string' ? config.config.User : '';
  } catch {
    return '';
  }
}
