import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { extractArchive, packResource, ScopedFs } from '@ce/protocol/copy';
import type { Dockerfile, FromInstruction, Instruction } from '../../src/dockerfile/types.js';
import { BuildError } from '../../src/build/build-error.js';
import type { BuildContext } from '../../src/build/build-context.js';
import { Builder, CACHE_REPOSITORY, type BuildOptions } from '../../src/build/executor.js';
import type { BuildContainers, BuildImage, BuildImages, CommitLayer, ExpandInstruction, StepContainerSpec } from '../../src/build/ports.js';

const at = { start: 1, end: 1 };

/** $NAME and ${NAME} in the words the tests use: enough for a fake of the parser's expansion. */
const expand: ExpandInstruction = (instruction, lookup) => {
  const word = (s: string) => s.replace(/\$\{?(\w+)\}?/g, (_, n: string) => lookup(n) ?? '');
  const i = instruction as Instruction | FromInstruction;
  if (i.kind === 'FROM') return { ...i, image: word(i.image) } as typeof instruction;
  if (i.kind === 'ENV' || i.kind === 'LABEL') return { ...i, pairs: i.pairs.map((p) => ({ key: p.key, value: word(p.value) })) } as typeof instruction;
  if (i.kind === 'WORKDIR') return { ...i, path: word(i.path) } as typeof instruction;
  return instruction;
};

function from(image: string, stageName?: string): FromInstruction {
  return { kind: 'FROM', original: `FROM ${image}${stageName ? ` AS ${stageName}` : ''}`, location: at, image, ...(stageName ? { stageName } : {}) };
}
const run = (text: string): Instruction => ({ kind: 'RUN', original: `RUN ${text}`, location: at, command: { form: 'shell', text } });
const env = (key: string, value: string): Instruction => ({ kind: 'ENV', original: `ENV ${key}=${value}`, location: at, pairs: [{ key, value }] });
const copy = (sources: string[], dest: string, extra: { from?: string; chmod?: string } = {}): Instruction => ({
  kind: 'COPY',
  original: `COPY ${sources.join(' ')} ${dest}`,
  location: at,
  sources,
  dest,
  ...extra,
});
const cmd = (args: string[]): Instruction => ({ kind: 'CMD', original: `CMD ${JSON.stringify(args)}`, location: at, command: { form: 'exec', args } });
const workdir = (path: string): Instruction => ({ kind: 'WORKDIR', original: `WORKDIR ${path}`, location: at, path });

function dockerfile(...stages: [FromInstruction, ...Instruction[]][]): Dockerfile {
  return { directives: { escape: '\\' }, metaArgs: [], stages: stages.map(([f, ...instructions], index) => ({ index, from: f, instructions })) };
}

interface FakeImage extends BuildImage {
  parent?: string;
  createdBy: string;
  files: Map<string, string>;
}

/** An image store in memory: images are file maps; names point at ids. */
class FakeImages implements BuildImages {
  readonly byId = new Map<string, FakeImage>();
  readonly named = new Map<string, string>();
  private next = 1;
  constructor() {
    this.add('busybox:latest', { id: 'sha256:' + 'b'.repeat(64), config: { Cmd: ['sh'], Env: ['PATH=/bin'] }, createdBy: 'base', files: new Map([['/etc/passwd', 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n']]) });
  }
  add(name: string, image: FakeImage) {
    this.byId.set(image.id, image);
    this.named.set(name, image.id);
  }
  async find(reference: string) {
    const id = this.named.get(reference) ?? this.named.get(`${reference}:latest`) ?? (this.byId.has(reference) ? reference : undefined);
    return id ? this.byId.get(id) : undefined;
  }
  async pull(reference: string): Promise<BuildImage> {
    throw new Error(`pull access denied for ${reference}`);
  }
  async commit(options: CommitLayer) {
    const parent = options.parent ? this.byId.get(options.parent)! : undefined;
    const files = new Map(parent?.files ?? []);
    if (options.layer) {
      const unpacked = await mkdtemp(join(tmpdir(), 'ce-builder-unit-layer-'));
      try {
        await extractArchive(new ScopedFs(unpacked), '/', Readable.from(options.layer), { owner: 'keep', noOverwriteDirNonDir: false });
        for (const [path, text] of await filesOf(unpacked)) files.set(path, text);
      } finally {
        await rm(unpacked, { recursive: true, force: true });
      }
    }
    const image: FakeImage = { id: `sha256:${String(this.next++).padStart(64, '0')}`, config: structuredClone(options.config), ...(options.parent ? { parent: options.parent } : {}), createdBy: options.createdBy, files };
    this.add(options.name, image);
    return image;
  }
  async tag(image: string, target: string) {
    this.named.set(target, (await this.find(image))!.id);
  }
  async names(prefix: string) {
    return [...this.named.keys()].filter((n) => n.startsWith(prefix));
  }
  async untag(name: string) {
    const id = this.named.get(name)!;
    this.named.delete(name);
    if ([...this.named.values()].includes(id)) return [];
    this.byId.delete(id);
    return [id];
  }
  /** A file's text length stands for its layer's bytes; an image's files are its parent's and its own. */
  async layersBytes() {
    let bytes = 0;
    for (const image of this.byId.values()) {
      const parent = image.parent ? this.byId.get(image.parent) : undefined;
      for (const [path, text] of image.files) if (parent?.files.get(path) !== text) bytes += text.length;
    }
    return bytes;
  }
}

/** Containers as folders: a RUN's "command" is a script of the fake: `write PATH TEXT`, `exit N`, `print TEXT`. */
class FakeContainers implements BuildContainers {
  readonly live = new Map<string, { spec: StepContainerSpec; root: string }>();
  readonly specs: StepContainerSpec[] = [];
  private next = 1;
  constructor(
    private readonly images: FakeImages,
    private readonly dir: string,
  ) {}
  async create(spec: StepContainerSpec) {
    const id = String(this.next++).padStart(64, 'c');
    const root = join(this.dir, id);
    await mkdir(root, { recursive: true });
    this.live.set(id, { spec, root });
    this.specs.push(spec);
    return id;
  }
  async run(id: string, output: (chunk: Uint8Array) => void) {
    const { spec, root } = this.live.get(id)!;
    const script = spec.config.Cmd![spec.config.Cmd!.length - 1]!;
    for (const line of script.split(';').map((l) => l.trim())) {
      const [verb, ...rest] = line.split(' ');
      if (verb === 'exit') return Number(rest[0]);
      if (verb === 'print') output(Buffer.from(`${rest.join(' ')}\n`));
      if (verb === 'write') {
        await mkdir(join(root, rest[0]!, '..'), { recursive: true });
        await writeFile(join(root, rest[0]!), rest.slice(1).join(' '));
      }
    }
    return 0;
  }
  async withRootfs<T>(id: string, fn: (root: string) => Promise<T>) {
    const { spec, root } = this.live.get(id)!;
    // The rootfs seen: the image's files under what the container wrote; after, the unchanged ones leave the "upper" folder.
    const image = (await this.images.find(spec.image)) as FakeImage;
    const added: string[] = [];
    for (const [path, text] of image.files) {
      await mkdir(join(root, path, '..'), { recursive: true });
      if (await writeFile(join(root, path), text, { flag: 'wx' }).then(() => true, () => false)) added.push(path);
    }
    try {
      return await fn(root);
    } finally {
      for (const path of added) if ((await readFile(join(root, path), 'utf8')) === image.files.get(path)) await rm(join(root, path));
    }
  }
  changes(id: string): AsyncIterable<Uint8Array> {
    return packResource(new ScopedFs(this.live.get(id)!.root), '/.') as AsyncIterable<Uint8Array>;
  }
  async remove(id: string) {
    await rm(this.live.get(id)!.root, { recursive: true, force: true });
    this.live.delete(id);
  }
}

/** The files under `root` with their text, by absolute path. */
async function filesOf(root: string): Promise<[string, string][]> {
  const found: [string, string][] = [];
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) found.push([join(e.parentPath, e.name).slice(root.length), await readFile(join(e.parentPath, e.name), 'utf8')]);
  }
  return found;
}

let dir: string;
let images: FakeImages;
let containers: FakeContainers;
let builder: Builder;
let context: BuildContext;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ce-builder-unit-'));
  await mkdir(join(dir, 'context/src'), { recursive: true });
  await mkdir(join(dir, 'containers'));
  await writeFile(join(dir, 'context/src/app.txt'), 'version 1');
  await writeFile(join(dir, 'context/readme'), 'hello');
  images = new FakeImages();
  containers = new FakeContainers(images, join(dir, 'containers'));
  builder = new Builder({ images, containers, expand, scratchDir: dir });
  context = { dir: join(dir, 'context'), readText: async () => undefined, remove: async () => undefined };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const options = (file: Dockerfile, extra: Partial<BuildOptions> = {}): BuildOptions => ({ dockerfile: file, tags: [], buildArgs: {}, noCache: false, pull: false, labels: {}, network: 'default', ...extra });

async function build(file: Dockerfile, extra: Partial<BuildOptions> = {}) {
  let text = '';
  const id = await builder.build(options(file, extra), context, (c) => (text += typeof c === 'string' ? c : Buffer.from(c).toString()), new AbortController().signal);
  return { id, text, image: images.byId.get(id)! };
}

describe('Builder', () => {
  it("prints Docker's step lines and makes one image per step, each the parent of the next", async () => {
    const file = dockerfile([from('busybox'), env('GREETING', 'hi'), workdir('/app'), run('print building; write /app/out built'), cmd(['cat', 'out'])]);
    const { text, image } = await build(file, { tags: ['demo:1'] });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Step 1/5 : FROM busybox');
    expect(lines[1]).toBe(` ---> ${'b'.repeat(12)}`);
    expect(lines[2]).toBe('Step 2/5 : ENV GREETING=hi');
    expect(lines[3]).toMatch(/^ ---> Running in [0-9a-f]{12}$/);
    expect(text).toMatch(/Step 4\/5 : RUN print building; write \/app\/out built\n ---> Running in c{12}\nbuilding\nRemoving intermediate container c{12}\n ---> \w{12}\n/);
    expect(text).toMatch(new RegExp(`Successfully built ${image.id.slice(7, 19)}\nSuccessfully tagged demo:1\n$`));
    expect(image.config).toMatchObject({ Cmd: ['cat', 'out'], Env: ['PATH=/bin', 'GREETING=hi'], WorkingDir: '/app' });
    expect(image.files.get('/app/out')).toBe('built');
    expect(images.named.get('demo:1')).toBe(image.id);
    const chain: string[] = [];
    for (let i: FakeImage | undefined = image; i; i = i.parent ? images.byId.get(i.parent) : undefined) chain.push(i.createdBy);
    expect(chain.reverse()).toEqual(['base', '/bin/sh -c #(nop)  ENV GREETING=hi', '/bin/sh -c #(nop) WORKDIR /app', '/bin/sh -c print building; write /app/out built', '/bin/sh -c #(nop)  CMD ["cat" "out"]']);
    // The RUN ran with the step's config: its env and workdir, in the shell.
    expect(containers.specs.find((c) => c.config.Cmd?.[2]?.startsWith('print'))).toMatchObject({ image: expect.stringMatching(/^sha256:/), network: 'default', config: { Env: ['PATH=/bin', 'GREETING=hi'], WorkingDir: '/app', Cmd: ['/bin/sh', '-c', 'print building; write /app/out built'], Entrypoint: null } });
    // WORKDIR made its folder in a container of its own, as Docker's does.
    expect(containers.specs[0]!.config.Cmd).toEqual(['/bin/sh', '-c', '#(nop) WORKDIR /app']);
    expect(containers.live.size).toBe(0);
  });

  it('uses the cache on a rebuild, and a changed source invalidates its COPY and every later step only', async () => {
    const file = dockerfile([from('busybox'), run('write /a 1'), copy(['src/'], '/srv/'), run('write /b 2')]);
    const first = await build(file);
    const again = await build(file);
    expect(again.id).toBe(first.id);
    expect(again.text.match(/ ---> Using cache/g)).toHaveLength(3);
    expect(containers.specs).toHaveLength(2 + 1); // first build: RUN, COPY, RUN; the rebuild made none
    await writeFile(join(dir, 'context/src/app.txt'), 'version 2');
    const changed = await build(file);
    expect(changed.id).not.toBe(first.id);
    expect(changed.text.match(/ ---> Using cache/g)).toHaveLength(1); // only the RUN before the COPY
    expect(changed.image.files.get('/srv/app.txt')).toBe('version 2');
    const noCache = await build(file, { noCache: true });
    expect(noCache.text).not.toContain('Using cache');
  });

  it("fails a RUN with Docker's words and its code, leaving no container and tagging nothing", async () => {
    const file = dockerfile([from('busybox'), run('exit 3')]);
    const failure = await build(file, { tags: ['broken:1'] }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BuildError);
    expect((failure as BuildError).message).toBe("The command '/bin/sh -c exit 3' returned a non-zero code: 3");
    expect((failure as BuildError).exitCode).toBe(3);
    expect(containers.live.size).toBe(0);
    expect(images.named.has('broken:1')).toBe(false);
  });

  it('copies from an earlier stage by name, with --chmod, and stops at --target', async () => {
    const file = dockerfile(
      [from('busybox', 'builder'), run('write /out/bin tool')],
      [from('busybox'), copy(['/out/bin'], '/usr/local/bin/tool', { from: 'builder', chmod: '750' })],
      [from('busybox', 'never'), run('exit 9')],
    );
    const file2: Dockerfile = { ...file, stages: file.stages.map((s, i) => (i === 1 ? { ...s, from: { ...s.from, stageName: 'final' } } : s)) };
    const { image, text } = await build(file2, { target: 'final' });
    expect(image.files.get('/usr/local/bin/tool')).toBe('tool');
    expect(text).toContain('Step 4/4 : COPY /out/bin /usr/local/bin/tool');
    await expect(build(file2, { target: 'nosuch' })).rejects.toThrow('failed to reach build target nosuch in Dockerfile');
  });

  it("refuses sources outside the context and missing ones with Docker's words", async () => {
    await expect(build(dockerfile([from('busybox'), copy(['../secret'], '/')]))).rejects.toThrow('forbidden path outside the build context: ../secret ()');
    await expect(build(dockerfile([from('busybox'), copy(['nosuch'], '/')]))).rejects.toThrow(
      'file not found in build context or excluded by .dockerignore: stat nosuch: file does not exist',
    );
    // A symlink is followed inside the context, as Docker's FollowSymlinkInScope: one to the host's /etc leads nowhere.
    await symlink('/etc/hostname', join(dir, 'context/escape'));
    await symlink('../../../../etc', join(dir, 'context/climb'));
    await expect(build(dockerfile([from('busybox'), copy(['escape'], '/')]))).rejects.toThrow('COPY failed: file not found in build context or excluded by .dockerignore: stat escape: file does not exist');
    await expect(build(dockerfile([from('busybox'), copy(['climb/hostname'], '/')]))).rejects.toThrow('COPY failed: file not found in build context or excluded by .dockerignore: stat climb/hostname: file does not exist');
    await expect(build(dockerfile([from('busybox'), copy(['src', 'readme'], '/x')]))).rejects.toThrow('When using COPY with more than one source file, the destination must be a directory and end with a /');
    expect(containers.live.size).toBe(0);
  });

  it('writes a stage FROM scratch from the copied files alone, and --chmod sets their mode', async () => {
    const { image } = await build(dockerfile([from('scratch'), copy(['readme'], '/docs/')]));
    expect(image.parent).toBeUndefined();
    expect([...image.files]).toEqual([['/docs/readme', 'hello']]);
    expect(containers.specs).toHaveLength(0);
    expect((await stat(join(dir, 'context/readme'))).isFile()).toBe(true);
  });

  it("runs the base image's ONBUILD triggers within FROM, and --label adds LABEL steps at the end", async () => {
    images.add('parent:latest', { id: 'sha256:' + 'a'.repeat(64), config: { Cmd: ['sh'], OnBuild: ['RUN print from trigger'] }, createdBy: 'parent', files: new Map() });
    const { text, image } = await build(dockerfile([from('parent'), env('A', '1')]), { labels: { team: 'ce', a: 'b' } });
    expect(text).toMatch(/^Step 1\/4 : FROM parent\n# Executing 1 build trigger\n ---> Running in c{12}\nfrom trigger\nRemoving intermediate container c{12}\n ---> \w{12}\nStep 2\/4 : ENV A=1\n/);
    expect(text).toContain('Step 3/4 : LABEL a=b\n');
    expect(text).toContain('Step 4/4 : LABEL team=ce\n');
    expect(image.config.Labels).toEqual({ a: 'b', team: 'ce' });
    // The triggers ran: the new image carries none.
    expect(image.config.OnBuild).toEqual([]);
  });

  it('prune reports the bytes of the layers that went with the cache images no other name keeps', async () => {
    await build(dockerfile([from('busybox'), run('write /a hello')]), { tags: ['app:1'] });
    await build(dockerfile([from('busybox'), run('write /a bye')]), { tags: ['app:1'] });
    // The first build's RUN image now has only its cache name: it goes, and its 5 bytes with it.
    const pruned = await builder.prune();
    expect(pruned.deleted).toHaveLength(1);
    expect(pruned.reclaimedBytes).toBe('hello'.length);
  });

  it('prune removes every cache name and reports the images that went', async () => {
    await build(dockerfile([from('busybox'), env('A', '1')]), { tags: ['kept:1'] });
    const pruned = await builder.prune();
    expect([...images.named.keys()].some((n) => n.startsWith(CACHE_REPOSITORY))).toBe(false);
    expect(images.named.has('kept:1')).toBe(true);
    expect(pruned).toEqual({ deleted: [], reclaimedBytes: 0 }); // the only step's image is still tagged kept:1
  });
});

