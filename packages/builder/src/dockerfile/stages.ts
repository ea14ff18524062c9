// Stage lookups as Docker 20.10's classic builder makes them: `--target`
// (by name, case-insensitive), `docker build --label`, and what a
// `FROM name` or `COPY --from=` refers to (an earlier stage by name or, for
// COPY, by index; otherwise an image).

import type { Dockerfile, LabelInstruction, Stage } from './types.js';

/** A build that Docker refuses before or while dispatching, with Docker's words. */
export class BuildStageError extends Error {
  override readonly name = 'BuildStageError';
}

const sameName = (stage: Stage, name: string) => stage.from.stageName !== undefined && stage.from.stageName === name.toLowerCase();

/**
 * The stages to build: all of them, or up to `target`; `labels`
 * (`docker build --label`) become one LABEL step each, sorted by key, at the
 * end of the last one, not expanded.
 */
export function selectStages(dockerfile: Dockerfile, options: { target?: string; labels?: Record<string, string> } = {}): Stage[] {
  let stages = dockerfile.stages;
  if (options.target) {
    const at = stages.findIndex((s) => sameName(s, options.target!));
    if (at < 0) throw new BuildStageError(`failed to reach build target ${options.target} in Dockerfile`);
    stages = stages.slice(0, at + 1);
  }
  if (stages.length === 0) throw new BuildStageError('No image was generated. Is your Dockerfile empty?');
  const labels = Object.keys(options.labels ?? {}).sort();
  if (labels.length === 0) return stages;
  const last = stages[stages.length - 1]!;
  const extra: LabelInstruction[] = labels.map((key) => ({
    kind: 'LABEL',
    original: `LABEL ${key}=${options.labels![key]}`,
    location: last.from.location,
    pairs: [{ key, value: options.labels![key]! }],
    noExpand: true,
  }));
  return [...stages.slice(0, -1), { ...last, instructions: [...last.instructions, ...extra] }];
}

/** Docker's `<name> stage name already used` when an earlier stage has this stage's name, else undefined. */
export function stageNameInUse(stages: readonly Stage[], index: number): string | undefined {
  const name = stages[index]?.from.stageName;
  if (name === undefined) return undefined;
  return stages.slice(0, index).some((s) => sameName(s, name)) ? `${name} stage name already used` : undefined;
}

export type StageOrImage = { stage: Stage } | { image: string };

/** What `FROM <image>` (expanded) in stage `index` builds on: an earlier stage by name, else the image. */
export function resolveFrom(stages: readonly Stage[], index: number, image: string): StageOrImage {
  const stage = stages.slice(0, index).find((s) => sameName(s, image));
  return stage ? { stage } : { image };
}

/**
 * What `COPY --from=<value>` in stage `index` copies from: an earlier stage by
 * name or index, else an image of that name. Throws Docker's words for an
 * index that is this stage or a later one.
 */
export function resolveCopyFrom(stages: readonly Stage[], index: number, from: string): StageOrImage {
  const earlier = stages.slice(0, index);
  const byName = earlier.find((s) => sameName(s, from));
  if (byName) return { stage: byName };
  if (!/^[+-]?\d+$/.test(from) || !Number.isSafeInteger(Number(from))) return { image: from };
  const n = Number(from);
  if (n === index) throw new BuildStageError(`invalid from flag value ${from}: refers to current build stage`);
  if (n < 0 || n > index) throw new BuildStageError(`invalid from flag value ${from}: index out of bounds`);
  return { stage: earlier[n]! };
}
