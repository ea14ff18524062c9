// ced's image and system services as in-memory fakes, shaped as the gRPC
// clients @ce/cri calls (callback style), so the adapter runs unchanged.
import { Readable } from 'node:stream';
import { CeError, notFound } from '@ce/protocol';
import { parseReference } from '@ce/protocol/reference';
import { InfoResponse, VersionResponse } from '@ce/protocol/gen/ce/api/v1/system';
import type { Image, PullRequest, PullResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { CeServices } from '../../src/index.js';

type Callback<T> = (err: Error | null, res?: T) => void;

export interface FakeImage {
  names: string[];
  id: string;
  manifestDigest: string;
  user?: string;
  size?: number;
}

export interface FakeCe {
  services: CeServices;
  pulls: PullRequest[];
  removals: Array<{ reference: string; force: boolean }>;
  imports: Array<{ path: string; name: string }>;
  images: FakeImage[];
  info: InfoResponse;
  /** Makes system.info fail, as an unreachable ced does. */
  infoFails?: CeError;
}

const hex = (c: string) => c.repeat(64);
export const imageId = (c: string) => `sha256:${hex(c)}`;

function records(images: FakeImage[]): Image[] {
  return images.flatMap((i) =>
    i.names.map((name) => ({
      name,
      id: i.id,
      target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: i.manifestDigest, size: 500, annotations: {}, platform: undefined },
      size: i.size ?? 1000,
      labels: {},
      configLabels: {},
      createdAt: undefined,
      created: undefined,
    })),
  );
}

/** ce's resolution: a full or short id, or a reference normalised as ce does. */
function find(images: FakeImage[], reference: string): FakeImage | undefined {
  const bare = reference.replace(/^sha256:/, '');
  if (/^[a-f0-9]{4,64}$/.test(bare)) {
    const byId = images.find((i) => i.id.slice('sha256:'.length).startsWith(bare));
    if (byId) return byId;
  }
  let normal: string;
  try {
    normal = parseReference(reference).toString();
  } catch {
    return undefined;
  }
  return images.find((i) => i.names.includes(normal) || i.names.some((n) => normal === `${parseReference(n).name}@${i.manifestDigest}`));
}

export function fakeCe(initial: FakeImage[]): FakeCe {
  const fake: FakeCe = {
    pulls: [],
    removals: [],
    imports: [],
    images: initial.map((i) => ({ ...i, names: [...i.names] })),
    info: InfoResponse.fromPartial({ storageRoot: '/var/lib/ce-fake', cgroupDriver: 'cgroupfs', runtimes: ['ce', 'runc'] }),
    services: undefined as unknown as CeServices,
  };
  const images = {
    list: (_req: unknown, cb: Callback<unknown>) => cb(null, { images: records(fake.images) }),
    get: (req: { reference: string }, cb: Callback<Image>) => {
      const image = find(fake.images, req.reference);
      if (!image) return cb(notFound(`No such image: ${req.reference}`));
      cb(null, records([image]).find((r) => r.name === parseReferenceOrId(req.reference, image)) ?? records([image])[0]);
    },
    inspect: (req: { reference: string }, cb: Callback<unknown>) => {
      const image = find(fake.images, req.reference);
      if (!image) return cb(notFound(`No such image: ${req.reference}`));
      const config = { architecture: 'amd64', os: 'linux', config: image.user === undefined ? {} : { User: image.user } };
      cb(null, {
        configJson: Buffer.from(JSON.stringify(config)),
        manifestJson: Buffer.from('{}'),
        manifestDescriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.manifestDigest, size: 500, annotations: {} },
        repoTags: [],
        repoDigests: [],
      });
    },
    remove: (req: { reference: string; force: boolean }, cb: Callback<unknown>) => {
      fake.removals.push(req);
      const image = find(fake.images, req.reference);
      if (!image) return cb(notFound(`No such image: ${req.reference}`));
      fake.images = fake.images.filter((i) => i !== image);
      cb(null, { untagged: image.names, deleted: [image.id] });
    },
    importLayout: (req: { path: string; name: string }, cb: Callback<unknown>) => {
      fake.imports.push(req);
      fake.images.push({ names: [req.name], id: imageId('9'), manifestDigest: imageId('8') });
      cb(null, { images: [] });
    },
    pull: (req: PullRequest) => {
      fake.pulls.push(req);
      const name = parseReference(req.reference).toString();
      const pulled: FakeImage = { names: [name], id: imageId('7'), manifestDigest: imageId('6') };
      fake.images.push(pulled);
      const messages: PullResponse[] = [
        { progress: { id: '777777777777', status: 'Pull complete', current: 0, total: 0 }, result: undefined },
        { progress: undefined, result: { name, digest: pulled.manifestDigest, updated: true, image: records([pulled])[0] } },
      ];
      return {
        cancel() {},
        async *[Symbol.asyncIterator]() {
          yield* messages;
        },
      };
    },
  };
  const system = {
    info: (_req: unknown, cb: Callback<InfoResponse>) => (fake.infoFails ? cb(fake.infoFails) : cb(null, fake.info)),
    version: (_req: unknown, cb: Callback<VersionResponse>) => cb(null, VersionResponse.fromPartial({ version: '0.1.0-test' })),
  };
  // No tasks nor layers: what the pod sandboxes' start-up sweep lists; an event stream where nothing happens.
  const supervisor = {
    listTasks: (_req: unknown, cb: Callback<unknown>) => cb(null, { tasks: [] }),
    events: () => {
      const stream = new Readable({ objectMode: true, read() {} });
      return Object.assign(stream, { cancel: () => stream.push(null) });
    },
  };
  const snapshots = { list: () => Readable.from([]) };
  fake.services = { images, system, supervisor, snapshots, close() {} } as unknown as CeServices;
  return fake;
}

function parseReferenceOrId(reference: string, image: FakeImage): string {
  try {
    return parseReference(reference).toString();
  } catch {
    return image.names[0] ?? '';
  }
}
