// Composable spec options, as containerd's oci.SpecOpts: each option changes
// one concern of a spec in place, and a spec is the default with a list of
// options applied in order. Options are pure; none loads native code.
import { defaultSpec } from '../default-spec.js';
import type { Spec } from '../types.js';

/** What an option may need beyond the spec itself. */
export interface SpecContext {
  /** Host path of the container's root filesystem, for options that read the image's files (/etc/passwd). */
  rootfs?: string;
}

/** One change to a spec, made in place. An option that reads files returns a promise. */
export type SpecOpt = (spec: Spec, ctx: SpecContext) => void | Promise<void>;

/** Applies `opts` to `spec` in order, awaiting each; returns the same spec. */
export async function applySpecOpts(spec: Spec, opts: readonly SpecOpt[], ctx: SpecContext = {}): Promise<Spec> {
  for (const opt of opts) await opt(spec, ctx);
  return spec;
}

/** Applies options that do no I/O; throws if one returns a promise (use applySpecOpts for those). */
export function applySpecOptsSync(spec: Spec, opts: readonly SpecOpt[], ctx: SpecContext = {}): Spec {
  for (const opt of opts) {
    const result = opt(spec, ctx);
    if (result instanceof Promise) {
      result.catch(() => undefined);
      throw new Error(`spec option ${opt.name || '(anonymous)'} is asynchronous: build the spec with buildSpec, not buildSpecSync`);
    }
  }
  return spec;
}

/** A fresh default spec (defaultSpec) with `opts` applied in order. */
export function buildSpec(opts: readonly SpecOpt[], ctx: SpecContext = {}): Promise<Spec> {
  return applySpecOpts(defaultSpec(), opts, ctx);
}

/** buildSpec for options that do no I/O, for callers that cannot wait. */
export function buildSpecSync(opts: readonly SpecOpt[], ctx: SpecContext = {}): Spec {
  return applySpecOptsSync(defaultSpec(), opts, ctx);
}
