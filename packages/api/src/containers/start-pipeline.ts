// The ordered steps that take a created container to a running task, each
// with the teardown that undoes it. Subsystems (network, volumes, hosts
// files) register steps; a failed step undoes the ones before it in reverse,
// and after the container stops every teardown runs in reverse again.
import type { Logger } from '@ce/protocol';
import type { Mount } from '@ce/protocol/gen/ce/types/v1/mount';
import type { SpecOpt } from '@ce/runtime/spec';
import type { ContainerRecord } from './record.js';

/** What the steps of one start share. */
export interface StartContext {
  readonly record: ContainerRecord;
  /** The task's bundle folder (config.json and the rootfs mount point). */
  readonly bundle: string;
  /** The container's writable layer, as the image store mounts it. */
  readonly rootfs: Mount[];
  /** Spec options steps add (a netns path, mounts, hosts files); the spec step applies them after ced's own. */
  readonly specOpts: SpecOpt[];
  /** The task's pid, once the task step created it. */
  pid?: number;
}

/** Why teardowns run: a start that failed part-way, or a container that stopped. */
export type TeardownReason = 'failed-start' | 'stopped';

export interface StartStep {
  /** Unique; names the step in errors and logs. */
  readonly name: string;
  setup(ctx: StartContext): Promise<void>;
  /**
   * Undoes setup. It runs after a later step failed, and after the container
   * stopped — possibly in a ced restarted since, so it works from the record
   * alone, and does nothing when there is nothing to undo.
   */
  teardown(record: ContainerRecord, reason: TeardownReason): Promise<void>;
}

export type StepPosition = { before: string } | { after: string } | 'first' | 'last';

/** The steps in their order of setup. */
export class StartPipeline {
  private readonly steps: StartStep[] = [];

  constructor(private readonly logger: Logger) {}

  register(step: StartStep, position: StepPosition = 'last'): this {
    if (this.steps.some((s) => s.name === step.name)) throw new Error(`a start step named ${step.name} is registered already`);
    let at = this.steps.length;
    if (position === 'first') at = 0;
    else if (typeof position === 'object') {
      const anchor = 'before' in position ? position.before : position.after;
      const i = this.steps.findIndex((s) => s.name === anchor);
      if (i < 0) throw new Error(`no start step named ${anchor} to place ${step.name} next to`);
      at = 'before' in position ? i : i + 1;
    }
    this.steps.splice(at, 0, step);
    return this;
  }

  names(): string[] {
    return this.steps.map((s) => s.name);
  }

  /**
   * Runs every setup in order. When one fails, the teardowns of those that
   * completed run in reverse (their failures are logged, not thrown) and the
   * step's error is thrown, so nothing is left half-created. Returns how
   * long each step took (`<name>Ms`), for the start's log line.
   */
  async setup(ctx: StartContext): Promise<Record<string, number>> {
    const done: StartStep[] = [];
    const timings: Record<string, number> = {};
    for (const step of this.steps) {
      const t0 = performance.now();
      try {
        await step.setup(ctx);
      } catch (err) {
        // The failed step may have done part of its work: its own teardown runs first.
        await this.undo([...done, step], ctx.record, 'failed-start');
        throw err;
      }
      done.push(step);
      timings[`${step.name}Ms`] = Math.round((performance.now() - t0) * 10) / 10;
    }
    return timings;
  }

  /**
   * Every teardown in reverse order; all run even if one fails, and the first
   * failure is thrown after. Returns how long each took (`<name>TeardownMs`).
   */
  async teardown(record: ContainerRecord, reason: TeardownReason): Promise<Record<string, number>> {
    const timings: Record<string, number> = {};
    const failure = await this.undo(this.steps, record, reason, timings);
    if (failure) throw failure;
    return timings;
  }

  private async undo(steps: readonly StartStep[], record: ContainerRecord, reason: TeardownReason, timings: Record<string, number> = {}): Promise<Error | undefined> {
    let first: Error | undefined;
    for (const step of [...steps].reverse()) {
      const t0 = performance.now();
      try {
        await step.teardown(record, reason);
      } catch (err) {
        first ??= err as Error;
        this.logger.error({ id: record.Id, step: step.name, err: (err as Error).message }, 'a start step could not be undone');
      }
      timings[`${step.name}TeardownMs`] = Math.round((performance.now() - t0) * 10) / 10;
    }
    return first;
  }
}
