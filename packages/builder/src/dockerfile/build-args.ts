// Which build args are in effect at a step, as Docker 20.10's classic builder
// decides (builder/dockerfile/buildargs.go): `--build-arg` overrides an
// ARG's default; an ARG is in effect from its declaration to the end of its
// stage; meta ARGs (before the first FROM) serve FROM lines only, unless a
// stage redeclares them (`ARG NAME` then takes the meta value); the proxy
// args are in effect without any ARG; ENV wins over ARG.

import { envLookup, type Lookup } from './shell-lexer.js';

/** Docker's predefined args: usable with --build-arg without an ARG, and left out of the image history unless declared. */
export const PREDEFINED_BUILD_ARGS: readonly string[] = [
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
];
const predefined = new Set(PREDEFINED_BUILD_ARGS);

/** `--build-arg` values; null for `--build-arg NAME` with no value in the client's environment. */
export type BuildArgOptions = Record<string, string | null>;

/** A build's args; one per build, with a fresh scope per stage (forStage). */
export class BuildArgs {
  private allowed = new Map<string, string | undefined>();
  private readonly meta = new Map<string, string | undefined>();
  private readonly referenced: Set<string>;

  constructor(
    private readonly options: BuildArgOptions = {},
    referenced?: Set<string>,
  ) {
    this.referenced = referenced ?? new Set();
  }

  /** Declares a meta ARG (before the first FROM), its default already expanded (with lookup()). */
  addMetaArg(name: string, defaultValue?: string): void {
    this.addArg(name, defaultValue);
    this.meta.set(name, defaultValue);
  }

  /** Declares an ARG in the current stage, its default already expanded. */
  addArg(name: string, defaultValue?: string): void {
    this.allowed.set(name, defaultValue);
    this.referenced.add(name);
  }

  /** The scope of a new stage: the meta ARGs are remembered, no stage ARG is in effect yet. */
  forStage(): BuildArgs {
    const stage = new BuildArgs(this.options, this.referenced);
    for (const [k, v] of this.meta) stage.meta.set(k, v);
    return stage;
  }

  private value(name: string, mapping: Map<string, string | undefined>): string | undefined {
    const given = this.options[name];
    if (given !== undefined && given !== null && Object.hasOwn(this.options, name)) return given;
    const declared = mapping.get(name);
    if (declared === undefined) return this.meta.get(name) ?? undefined;
    return declared;
  }

  private values(mapping: Map<string, string | undefined>): Map<string, string> {
    const out = new Map<string, string>();
    for (const name of new Set([...mapping.keys(), ...PREDEFINED_BUILD_ARGS])) {
      const v = this.value(name, mapping);
      if (v !== undefined) out.set(name, v);
    }
    return out;
  }

  /** The ARGs in effect in this stage, with their values (Docker's GetAllAllowed). */
  inEffect(): Map<string, string> {
    return this.values(this.allowed);
  }

  /** The meta ARGs' values, for expanding FROM (Docker's GetAllMeta). */
  metaValues(): Map<string, string> {
    return this.values(this.meta);
  }

  /**
   * `KEY=value` of the ARGs in effect that the image's Env does not set
   * (Docker's FilterAllowed): what a RUN step gets in its environment.
   */
  notInEnv(env: readonly string[]): string[] {
    const set = new Set(env.map((e) => e.split('=', 1)[0]));
    return [...this.inEffect()].filter(([k]) => !set.has(k)).map(([k, v]) => `${k}=${v}`);
  }

  /**
   * The prefix Docker puts before a RUN's command in the image history and
   * the cache key when build args are in effect: `|N`, then the sorted
   * `KEY=value`s (predefined proxy args only when declared); [] when none.
   */
  runHistoryPrefix(env: readonly string[]): string[] {
    const args = this.notInEnv(env)
      .filter((kv) => {
        const key = kv.split('=', 1)[0]!;
        return this.allowed.has(key) || !predefined.has(key);
      })
      .sort();
    return args.length === 0 ? [] : [`|${args.length}`, ...args];
  }

  /** What a step's words are expanded with: the image's Env first, then the ARGs in effect. */
  lookup(env: readonly string[]): Lookup {
    const fromEnv = envLookup(env);
    const args = this.inEffect();
    return (name) => fromEnv(name) ?? args.get(name);
  }

  /** What FROM lines are expanded with: the meta ARGs only. */
  fromLookup(): Lookup {
    const meta = this.metaValues();
    return (name) => meta.get(name);
  }

  /**
   * Docker's `[Warning] One or more build-args [a b] were not consumed`
   * (printed at the end of a build), or undefined when every --build-arg was
   * declared somewhere (or is predefined).
   */
  unusedWarning(): string | undefined {
    const unused = Object.keys(this.options)
      .filter((k) => !this.referenced.has(k) && !predefined.has(k))
      .sort();
    return unused.length === 0 ? undefined : `[Warning] One or more build-args [${unused.join(' ')}] were not consumed`;
  }
}
