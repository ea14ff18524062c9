// A Dockerfile build as Docker 20.10's classic builder runs it
// (builder/dockerfile): stage by stage from its base, one image per step,
// each the parent of the next; Docker's cache (the parent image and the
// step's words, plus the copied files' checksum for COPY and ADD), a miss
// invalidating every later step; Docker's output lines.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BUILD_CACHE_REPOSITORY } from '@ce/protocol';
import { ScopedFs } from '@ce/protocol/copy';
import { parseOnbuildTrigger, PREDEFINED_BUILD_ARGS, resolveCopyFrom, resolveFrom, selectStages, stageNameInUse } from '../dockerfile/index.js';
import type { CopyInstruction, Dockerfile, Instruction, RunInstruction, Stage } from '../dockerfile/types.js';
import { BuildError } from './build-error.js';
import type { BuildContext } from './build-context.js';
import { resolveChown } from './chown.js';
import { copyInto, makeDirs, parseChmod, sourcesChecksum, sourcesDescription } from './copy-files.js';
import { applyMetadata, commandArgs, envMap, shellOf, type MetadataInstruction, type StageState } from './metadata-steps.js';
import type { BuildContainers, BuildImage, BuildImages, ExpandInstruction, ImageConfig } from './ports.js';
import { matchSources, type MatchedSource } from './source-match.js';
import { scratchLayer } from './scratch-layer.js';
import { downloadSource, isRemoteSource } from './remote-source.js';

/** The repository the cache's images are kept under: one name per cache key. */
export const CACHE_REPOSITORY = BUILD_CACHE_REPOSITORY;

export interface BuildOptions {
  dockerfile: Dockerfile;
  /** -t: REPOSITORY[:TAG]. */
  tags: string[];
  /** --build-arg: KEY=VALUE, or KEY with no value (undefined). */
  buildArgs: Record<string, string | undefined>;
  target?: string;
  noCache: boolean;
  pull: boolean;
  labels: Record<string, string>;
  /** default, none or host. */
  network: string;
}

export interface BuilderParts {
  images: BuildImages;
  containers: BuildContainers;
  expand: ExpandInstruction;
  /** A private folder for contexts and FROM scratch trees. */
  scratchDir: string;
}

/** Where the build's text goes (step lines and RUN output). */
export type BuildOutput = (chunk: string | Uint8Array) => void;

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** Docker's ` ---> ` line of a step's image. */
const arrow = (id: string | undefined) => ` ---> ${id ? short(id) : ''}\n`;

/** What one build carries from step to step. */
interface BuildRun {
  options: BuildOptions;
  context: BuildContext;
  out: BuildOutput;
  signal: AbortSignal;
  /** --build-args an ARG declared. */
  usedArgs: Set<string>;
  buildArgs: ReadonlyMap<string, string | undefined>;
  /** Each built stage's image, by stage index (undefined: FROM scratch with no step). */
  results: Map<number, BuildImage | undefined>;
}

/** COPY --from's image for a value of the flag. */
type SourceImage = (from: string) => Promise<BuildImage | undefined>;

export class Builder {
  constructor(private readonly parts: BuilderParts) {}

  /** Builds; resolves with the final image's id. Throws BuildError with Docker's words. */
  async build(options: BuildOptions, context: BuildContext, out: BuildOutput, signal: AbortSignal): Promise<string> {
    const { dockerfile } = options;
    const stages = stagesToBuild(dockerfile, options);
    const total = dockerfile.metaArgs.length + stages.reduce((n, s) => n + 1 + s.instructions.length, 0);
    let step = 0;
    const stepLine = (instruction: { original: string }) => out(`Step ${++step}/${total} : ${instruction.original}\n`);
    for (const warning of dockerfile.warnings ?? []) out(`${warning}\n`);

    const build: BuildRun = { options, context, out, signal, usedArgs: new Set(), buildArgs: new Map(Object.entries(options.buildArgs)), results: new Map() };
    const metaArgs = new Map<string, string | undefined>();
    for (const instruction of dockerfile.metaArgs) {
      stepLine(instruction);
      for (const a of instruction.args) {
        metaArgs.set(a.name, a.name in options.buildArgs ? (options.buildArgs[a.name] ?? a.defaultValue) : a.defaultValue);
        if (a.name in options.buildArgs) build.usedArgs.add(a.name);
      }
    }
    let cacheValid = !options.noCache;
    let final: BuildImage | undefined;
    for (const stage of stages) {
      const inUse = stageNameInUse(stages, stage.index);
      if (inUse) throw new BuildError(inUse);
      stepLine(stage.from);
      const base = await this.fromImage(stages, stage, metaArgs, build);
      const state: StageState = { config: structuredClone(base?.config ?? {}), args: new Map() };
      let image = base;
      // The base image's ONBUILD triggers run first, within the FROM step (Docker's processOnBuild).
      const triggers = state.config.OnBuild ?? [];
      if (triggers.length) {
        state.config = { ...state.config, OnBuild: [] };
        out(`# Executing ${triggers.length} build trigger${triggers.length === 1 ? '' : 's'}\n`);
        for (const trigger of triggers) {
          let instruction: Instruction;
          try {
            instruction = parseOnbuildTrigger(trigger);
          } catch (err) {
            throw new BuildError((err as Error).message);
          }
          ({ image, cacheValid } = await this.dispatch(instruction, stages, stage, { image, state, cacheValid }, build));
        }
      }
      out(arrow(image?.id));
      for (const instruction of stage.instructions) {
        stepLine(instruction);
        ({ image, cacheValid } = await this.dispatch(instruction, stages, stage, { image, state, cacheValid }, build));
        out(arrow(image?.id));
      }
      build.results.set(stage.index, image);
      final = image;
    }
    if (!final) throw new BuildError('No image was generated. Is your Dockerfile empty?');
    const unused = Object.keys(options.buildArgs).filter((a) => !build.usedArgs.has(a) && !PREDEFINED_BUILD_ARGS.includes(a));
    if (unused.length) out(`[Warning] One or more build-args [${unused.sort().join(' ')}] were not consumed\n`);
    out(`Successfully built ${short(final.id)}\n`);
    for (const tag of options.tags) {
      await this.parts.images.tag(final.id, tag);
      out(`Successfully tagged ${withTag(tag)}\n`);
    }
    return final.id;
  }

  /** One instruction: its words expanded with the values at this step (RUN's are left to its shell), then dispatched. */
  private async dispatch(raw: Instruction, stages: readonly Stage[], stage: Stage, at: { image: BuildImage | undefined; state: StageState; cacheValid: boolean }, build: BuildRun): Promise<StepResult> {
    if (build.signal.aborted) throw new BuildError('the build was cancelled');
    const { state } = at;
    const vars = Object.fromEntries([...[...state.args].filter(([, v]) => v !== undefined), ...envMap(state.config)]) as Record<string, string>;
    let instruction: Instruction;
    try {
      instruction = raw.kind === 'RUN' ? raw : this.parts.expand(raw, (n) => vars[n], build.options.dockerfile.directives.escape);
    } catch (err) {
      throw new BuildError((err as Error).message);
    }
    if (instruction.kind === 'ARG') for (const a of instruction.args) if (a.name in build.options.buildArgs) build.usedArgs.add(a.name);
    const step: StepRun = { image: at.image, state, cacheValid: at.cacheValid, out: build.out, signal: build.signal, options: build.options };
    if (instruction.kind === 'RUN') return this.run(instruction, step, build.buildArgs);
    if (instruction.kind === 'COPY' || instruction.kind === 'ADD') return this.copy(instruction, step, build.context, (from) => this.copySource(stages, stage, from, build));
    return this.metadata(instruction as MetadataInstruction, step, build.buildArgs);
  }

  /** FROM: an earlier stage, scratch, or an image (pulled when missing or with --pull). */
  private async fromImage(stages: readonly Stage[], stage: Stage, metaArgs: Map<string, string | undefined>, build: BuildRun): Promise<BuildImage | undefined> {
    let name: string;
    try {
      name = this.parts.expand(stage.from, (n) => metaArgs.get(n), build.options.dockerfile.directives.escape).image;
    } catch (err) {
      throw new BuildError((err as Error).message);
    }
    if (!name) throw new BuildError(`base name (${stage.from.image}) should not be blank`);
    const base = resolveFrom(stages, stage.index, name);
    if ('stage' in base) return build.results.get(base.stage.index);
    if (name === 'scratch') return undefined;
    const present = build.options.pull ? undefined : await this.parts.images.find(name);
    return present ?? (await this.parts.images.pull(name, build.signal));
  }

  /** COPY --from's image: an earlier stage's (undefined for one FROM scratch), or an image, pulled when missing. */
  private async copySource(stages: readonly Stage[], stage: Stage, from: string, build: BuildRun): Promise<BuildImage | undefined> {
    let source;
    try {
      source = resolveCopyFrom(stages, stage.index, from);
    } catch (err) {
      throw new BuildError((err as Error).message);
    }
    if ('stage' in source) return build.results.get(source.stage.index);
    const image = await this.parts.images.find(source.image);
    if (image) return image;
    return this.parts.images.pull(source.image, build.signal).catch((err: Error) => {
      throw new BuildError(`invalid from flag value ${from}: ${err.message}`);
    });
  }

  private cacheName(parent: BuildImage | undefined, words: string): string {
    const key = createHash('sha256').update(`${parent?.id ?? 'scratch'}\n${words}`).digest('hex');
    return `${CACHE_REPOSITORY}:${key}`;
  }

  /** The cached image of this step, when the cache is in use and has it. */
  private async cached(step: StepRun, cacheName: string): Promise<BuildImage | undefined> {
    if (!step.cacheValid) return undefined;
    const hit = await this.parts.images.find(cacheName);
    if (hit) step.out(' ---> Using cache\n');
    return hit;
  }

  private async metadata(instruction: MetadataInstruction, step: StepRun, buildArgs: ReadonlyMap<string, string | undefined>): Promise<StepResult> {
    const comment = applyMetadata(instruction, step.state, buildArgs);
    // Docker's withCmdComment (two words: "#(nop) " and the comment) for all but WORKDIR's withCmdCommentString (one).
    const createdBy = `${shellOf(step.state.config).join(' ')} #(nop) ${instruction.kind === 'WORKDIR' ? '' : ' '}${comment}`;
    const name = this.cacheName(step.image, `${createdBy}\n${JSON.stringify(step.state.config)}\n${step.state.author ?? ''}`);
    const hit = await this.cached(step, name);
    if (hit) return this.done(step, hit, true);
    if (instruction.kind === 'WORKDIR') {
      // Docker's ContainerCreateWorkdir: the folder made in the step's container (root's, 0755), its diff the layer.
      const workdir = step.state.config.WorkingDir!;
      return this.done(step, await this.commitTreeChange(step, createdBy, name, (root) => makeDirs(new ScopedFs(root), workdir, { uid: 0, gid: 0 }).then(() => undefined), { announce: true }), false);
    }
    // Docker makes a container for the step and commits it: an empty layer.
    const containerId = randomBytes(32).toString('hex');
    step.out(` ---> Running in ${short(containerId)}\n`);
    const image = await this.parts.images.commit({ parent: step.image?.id, config: step.state.config, createdBy, name, ...(step.state.author ? { author: step.state.author } : {}) });
    step.out(`Removing intermediate container ${short(containerId)}\n`);
    return this.done(step, image, false);
  }

  private async run(instruction: RunInstruction, step: StepRun, buildArgs: ReadonlyMap<string, string | undefined>): Promise<StepResult> {
    const config = step.state.config;
    const cmd = commandArgs(instruction.command, config);
    // Docker: the build args in effect that no ENV shadows, given to the command and named in its history.
    const env = envMap(config);
    const args = [...step.state.args].filter(([k, v]) => v !== undefined && !env.has(k) && (buildArgs.has(k) || v !== undefined)).sort(([a], [b]) => a.localeCompare(b)) as [string, string][];
    const argWords = args.map(([k, v]) => `${k}=${v}`);
    const createdBy = `${args.length ? `|${args.length} ${argWords.join(' ')} ` : ''}${cmd.join(' ')}`;
    const name = this.cacheName(step.image, `${createdBy}\n${JSON.stringify(config)}`);
    const hit = await this.cached(step, name);
    if (hit) return this.done(step, hit, true);
    if (!step.image) throw new BuildError('Please provide a source image with `from` prior to commit');
    const id = await this.parts.containers.create({
      image: step.image.id,
      config: { ...config, Env: [...(config.Env ?? []), ...argWords], Cmd: cmd, Entrypoint: null },
      network: step.options.network,
    });
    try {
      step.out(` ---> Running in ${short(id)}\n`);
      const code = await this.parts.containers.run(id, (chunk) => step.out(chunk), step.signal);
      if (step.signal.aborted) throw new BuildError('the build was cancelled');
      if (code !== 0) throw new BuildError(`The command '${cmd.join(' ')}' returned a non-zero code: ${code}`, code);
      const image = await this.parts.images.commit({ parent: step.image.id, layer: this.parts.containers.changes(id), config, createdBy, name });
      step.out(`Removing intermediate container ${short(id)}\n`);
      return this.done(step, image, false);
    } finally {
      await this.parts.containers.remove(id);
    }
  }

  private async copy(instruction: CopyInstruction, step: StepRun, context: BuildContext, fromImage: SourceImage): Promise<StepResult> {
    if (instruction.kind === 'COPY' && instruction.sources.some(isRemoteSource)) {
      throw new BuildError('COPY failed: source can\'t be a URL for COPY');
    }
    try {
      return await this.copyFiles(instruction, step, context, fromImage);
    } catch (err) {
      // Docker's words: "COPY failed: …" for what the step itself refuses.
      if (err instanceof BuildError && err.exitCode === undefined) throw new BuildError(`${instruction.kind} failed: ${err.message}`);
      throw err;
    }
  }

  private async copyFiles(instruction: CopyInstruction, step: StepRun, context: BuildContext, fromImage: SourceImage): Promise<StepResult> {
    const mode = instruction.chmod !== undefined ? parseChmod(instruction.chmod) : undefined;
    return this.withSourceTree(instruction, context, fromImage, async (tree, inContext) => {
      const sources: MatchedSource[] = [];
      for (const s of instruction.sources) {
        if (isRemoteSource(s)) sources.push(await downloadSource(s, this.parts.scratchDir, step.signal));
        else sources.push(...(await matchSources(tree, s, { inContext })));
      }
      try {
        return await this.copySources(instruction, step, sources, mode);
      } finally {
        for (const s of sources) if (s.remote) await rm(dirname(s.host), { recursive: true, force: true });
      }
    });
  }

  private async copySources(instruction: CopyInstruction, step: StepRun, sources: MatchedSource[], mode: number | undefined): Promise<StepResult> {
    const checksum = await sourcesChecksum(sources);
    // Docker's words, "--chown=…" glued to the checksum as dockerd writes it.
    const chown = instruction.chown ? `--chown=${instruction.chown}` : '';
    const createdBy = `${shellOf(step.state.config).join(' ')} #(nop) ${instruction.kind} ${chown}${sourcesDescription(sources, checksum)} in ${instruction.dest} `;
    const name = this.cacheName(step.image, `${createdBy}\n${instruction.chown ?? ''}\n${mode ?? ''}\n${JSON.stringify(step.state.config)}`);
    const hit = await this.cached(step, name);
    if (hit) return this.done(step, hit, true);
    const copy = async (root: string) =>
      copyInto(root, sources, {
        dest: instruction.dest,
        workdir: step.state.config.WorkingDir ?? '/',
        ...(instruction.chown ? { owner: await resolveChown(instruction.chown, step.image ? root : undefined) } : {}),
        ...(mode !== undefined ? { mode } : {}),
        unpackArchives: instruction.kind === 'ADD',
      });
    const image = await this.commitTreeChange(step, createdBy, name, copy);
    return this.done(step, image, false);
  }

  /**
   * A step that changes files (COPY, ADD, WORKDIR): `change` writes into the
   * parent's rootfs mounted from a stopped container (into an empty folder
   * for a stage FROM scratch), and the diff is the step's layer.
   */
  private async commitTreeChange(step: StepRun, createdBy: string, name: string, change: (root: string) => Promise<void>, options: { announce?: boolean } = {}): Promise<BuildImage> {
    const config = step.state.config;
    if (!step.image) {
      const root = await mkdtemp(join(this.parts.scratchDir, 'scratch-'));
      try {
        await change(root);
        return await this.parts.images.commit({ layer: scratchLayer(root), config, createdBy, name });
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    }
    const parent = step.image;
    // As Docker's: the step's container carries its comment as its command; it is never started.
    const id = await this.parts.containers.create({ image: parent.id, config: { ...config, Cmd: [...shellOf(config), `#(nop) ${createdBy.split(' #(nop) ')[1]!.trimStart()}`] }, network: 'none' });
    try {
      if (options.announce) step.out(` ---> Running in ${short(id)}\n`);
      await this.parts.containers.withRootfs(id, change);
      const image = await this.parts.images.commit({ parent: parent.id, layer: this.parts.containers.changes(id), config, createdBy, name });
      if (options.announce) step.out(`Removing intermediate container ${short(id)}\n`);
      return image;
    } finally {
      await this.parts.containers.remove(id);
    }
  }

  /** The tree COPY reads: the context, or with --from an earlier stage's or an image's rootfs. */
  private async withSourceTree<T>(instruction: CopyInstruction, context: BuildContext, fromImage: SourceImage, fn: (tree: ScopedFs, inContext: boolean) => Promise<T>): Promise<T> {
    if (instruction.from === undefined) return fn(new ScopedFs(context.dir), true);
    const image = await fromImage(instruction.from);
    if (!image) {
      const root = await mkdtemp(join(this.parts.scratchDir, 'scratch-'));
      try {
        return await fn(new ScopedFs(root), false);
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    }
    const id = await this.parts.containers.create({ image: image.id, config: { ...image.config, Cmd: [...shellOf(image.config), '#(nop) COPY --from'] }, network: 'none' });
    try {
      return await this.parts.containers.withRootfs(id, (root) => fn(new ScopedFs(root), false));
    } finally {
      await this.parts.containers.remove(id);
    }
  }

  private done(step: StepRun, image: BuildImage, fromCache: boolean): StepResult {
    return { image, cacheValid: step.cacheValid && fromCache };
  }

  /** ce builder prune: every cache name removed; the image ids that went with them, and the bytes of layers freed. */
  async prune(): Promise<{ deleted: string[]; reclaimedBytes: number }> {
    const before = await this.parts.images.layersBytes();
    const deleted: string[] = [];
    for (const name of await this.parts.images.names(`${CACHE_REPOSITORY}:`)) deleted.push(...(await this.parts.images.untag(name)));
    const reclaimedBytes = deleted.length ? Math.max(0, before - (await this.parts.images.layersBytes())) : 0;
    return { deleted, reclaimedBytes };
  }
}

interface StepRun {
  image: BuildImage | undefined;
  state: StageState;
  cacheValid: boolean;
  out: BuildOutput;
  signal: AbortSignal;
  options: BuildOptions;
}

interface StepResult {
  image: BuildImage;
  cacheValid: boolean;
}

/** The stages to build (up to --target's) with --label's LABEL steps, or Docker's refusal. */
function stagesToBuild(dockerfile: Dockerfile, options: BuildOptions): Stage[] {
  try {
    return selectStages(dockerfile, { ...(options.target ? { target: options.target } : {}), labels: options.labels });
  } catch (err) {
    throw new BuildError((err as Error).message);
  }
}

/** Docker prints the tag it gave: ":latest" added to a name without one. */
function withTag(reference: string): string {
  const lastSlash = reference.lastIndexOf('/');
  return reference.slice(lastSlash + 1).includes(':') || reference.includes('@') ? reference : `${reference}:latest`;
}

