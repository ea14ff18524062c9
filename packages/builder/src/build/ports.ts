// What the build asks of the engine. ced (the composition root) implements
// these over its image store and a container service of the build's own
// namespace; tests give fakes. The build reaches nothing else.
import type { Dockerfile, FromInstruction, Instruction } from '../dockerfile/types.js';

/** The image config's `config` (Docker's container config, as an image carries it). */
export interface ImageConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
  Shell?: string[];
  OnBuild?: string[] | null;
}

export interface BuildImage {
  /** "sha256:…": the digest of the image's config. */
  id: string;
  config: ImageConfig;
}

export interface CommitLayer {
  /** The image the layer goes on; none for a stage FROM scratch. */
  parent?: string;
  /** The layer's tar; none for a step that changes only the config (Docker's empty layer). */
  layer?: AsyncIterable<Uint8Array>;
  config: ImageConfig;
  /** The history entry's created_by (`/bin/sh -c #(nop)  ENV a=b`). */
  createdBy: string;
  /** MAINTAINER's author. */
  author?: string;
  /** The name the image is kept under (ce keeps no unnamed image). */
  name: string;
}

/** What the build needs of the image store. */
export interface BuildImages {
  /** The image named `reference`, or undefined when the store has none. */
  find(reference: string): Promise<BuildImage | undefined>;
  /** Pulls `reference` (FROM of an image that is missing, or every FROM with --pull). */
  pull(reference: string, signal: AbortSignal): Promise<BuildImage>;
  /** A new image of `parent` plus one layer (or an empty one). */
  commit(options: CommitLayer): Promise<BuildImage>;
  /** Names `image` (an id or a name) `target` too. */
  tag(image: string, target: string): Promise<void>;
  /** The names under which images are kept that begin with `prefix`. */
  names(prefix: string): Promise<string[]>;
  /** Removes the name; the image goes with its last name unless something uses it. Returns the ids deleted. */
  untag(name: string): Promise<string[]>;
  /** Bytes of all images' layers, each counted once (what a prune frees is the drop in it). */
  layersBytes(): Promise<number>;
}

/** What a step's container runs: Docker's run config for the step. */
export interface StepContainerSpec {
  /** The image the container's rootfs is made of. */
  image: string;
  config: ImageConfig;
  /** default (bridge), none or host. */
  network: string;
}

/** Containers of the build's own namespace: users' ps and prune never see them. */
export interface BuildContainers {
  /** Creates a stopped container of `spec`; returns its id. */
  create(spec: StepContainerSpec): Promise<string>;
  /** Starts the container, sends its stdout and stderr to `output`, and resolves with its exit code; an abort kills it. */
  run(id: string, output: (chunk: Uint8Array) => void, signal: AbortSignal): Promise<number>;
  /** Calls `fn` with the host folder where the stopped container's rootfs is mounted, and unmounts it after. */
  withRootfs<T>(id: string, fn: (root: string) => Promise<T>): Promise<T>;
  /** The changes of the container's writable layer, as a layer tar. */
  changes(id: string): AsyncIterable<Uint8Array>;
  /** Removes the container and its layer (killing it if it still runs). */
  remove(id: string): Promise<void>;
}

/**
 * Variable expansion of one instruction's words with the values in effect at
 * its step (the parser's expandInstruction): `lookup` gives a variable's value
 * or undefined when it is unset.
 */
export type ExpandInstruction = <I extends Instruction | FromInstruction>(
  instruction: I,
  lookup: (name: string) => string | undefined,
  escapeToken: '\\' | '`',
) => I;

/** Reads a Dockerfile's text into its stages (the parser's parseDockerfile); throws an error naming the line. */
export type ParseDockerfile = (text: string, fileName: string) => Dockerfile;
