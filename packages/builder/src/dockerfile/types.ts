// The parsed Dockerfile: what the parser (./parser.ts) gives the build
// (../build/). Words are as written: variables are expanded at dispatch time,
// with the ENV and ARG values in effect at that step, as Docker's builder
// does (./expand.ts). This file is the contract between the two halves:
// fields may be added, none renamed or removed.

/** Lines of the Dockerfile an instruction spans (1-based, continuations included). */
export interface SourceRange {
  start: number;
  end: number;
}

/** The parser directives at the top of the file (`# syntax=`, `# escape=`). */
export interface Directives {
  syntax?: string;
  escape: '\\' | '`';
}

/**
 * A command as written: `RUN echo hi` (shell form) or `RUN ["echo", "hi"]`
 * (exec form; Docker ignores anything after the JSON array, and text that is
 * not a JSON array of strings is shell form). `CMD` alone is the shell form
 * with empty text: Docker sets Cmd to the shell alone (`[/bin/sh, -c]`) but,
 * as for `CMD []` (Cmd `[]`), does not count it as a CMD that a later
 * ENTRYPOINT keeps; `ENTRYPOINT` alone and `ENTRYPOINT []` set no entrypoint.
 */
export type CommandForm = { form: 'shell'; text: string } | { form: 'exec'; args: string[] };

/**
 * ENV and LABEL pairs, COPY sources and the other words keep their quotes and
 * escape characters as written (`ENV a="b c"` has value `"b c"`): Docker's
 * shell lexer removes them at dispatch (expandInstruction in ./expand.ts).
 */
export interface KeyValue {
  key: string;
  value: string;
}

interface InstructionBase {
  /**
   * The instruction as Docker prints it in `Step N/M : …`: the keyword as
   * written, continuations joined, comments inside continuations dropped.
   */
  original: string;
  location: SourceRange;
}

export interface RunInstruction extends InstructionBase {
  kind: 'RUN';
  command: CommandForm;
  /**
   * `--mount=` values as written, when given. Docker 20.10 parses the flag but
   * its classic builder refuses it at dispatch: `the --mount option requires
   * BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to
   * build images with BuildKit enabled`.
   */
  mounts?: string[];
}

export interface CopyInstruction extends InstructionBase {
  kind: 'COPY' | 'ADD';
  /** Sources as written (context paths, globs; for ADD also URLs). */
  sources: string[];
  dest: string;
  /** COPY --from=stage name, stage index or image. */
  from?: string;
  chown?: string;
  chmod?: string;
}

export interface EnvInstruction extends InstructionBase {
  kind: 'ENV';
  pairs: KeyValue[];
}

export interface ArgDeclaration {
  name: string;
  /** The default as written (`ARG v=1`); absent for `ARG v`. */
  defaultValue?: string;
}

export interface ArgInstruction extends InstructionBase {
  kind: 'ARG';
  args: ArgDeclaration[];
}

export interface WorkdirInstruction extends InstructionBase {
  kind: 'WORKDIR';
  path: string;
}

export interface UserInstruction extends InstructionBase {
  kind: 'USER';
  user: string;
}

export interface CmdInstruction extends InstructionBase {
  kind: 'CMD' | 'ENTRYPOINT';
  command: CommandForm;
}

export interface ExposeInstruction extends InstructionBase {
  kind: 'EXPOSE';
  ports: string[];
}

export interface LabelInstruction extends InstructionBase {
  kind: 'LABEL';
  pairs: KeyValue[];
  /** Not expanded at dispatch: the LABELs Docker adds for `docker build --label` (./stages.ts). */
  noExpand?: boolean;
}

export interface VolumeInstruction extends InstructionBase {
  kind: 'VOLUME';
  paths: string[];
}

export interface ShellInstruction extends InstructionBase {
  kind: 'SHELL';
  shell: string[];
}

export interface StopsignalInstruction extends InstructionBase {
  kind: 'STOPSIGNAL';
  signal: string;
}

export interface HealthcheckInstruction extends InstructionBase {
  kind: 'HEALTHCHECK';
  /** Docker's image config Healthcheck.Test: ['NONE'], ['CMD', …] or ['CMD-SHELL', text]. */
  test: string[];
  /** Durations in nanoseconds, as the image config has them; absent when not given. */
  intervalNs?: number;
  timeoutNs?: number;
  startPeriodNs?: number;
  retries?: number;
}

export interface OnbuildInstruction extends InstructionBase {
  kind: 'ONBUILD';
  /** The trigger as stored in the image config's OnBuild: `RUN echo hi`. */
  trigger: string;
}

export interface MaintainerInstruction extends InstructionBase {
  kind: 'MAINTAINER';
  maintainer: string;
}

export type Instruction =
  | RunInstruction
  | CopyInstruction
  | EnvInstruction
  | ArgInstruction
  | WorkdirInstruction
  | UserInstruction
  | CmdInstruction
  | ExposeInstruction
  | LabelInstruction
  | VolumeInstruction
  | ShellInstruction
  | StopsignalInstruction
  | HealthcheckInstruction
  | OnbuildInstruction
  | MaintainerInstruction;

/** `FROM [--platform=P] image [AS name]`. */
export interface FromInstruction extends InstructionBase {
  kind: 'FROM';
  /** The image as written (`scratch`, `busybox:1`, `$BASE`, or an earlier stage's name). */
  image: string;
  platform?: string;
  /** The stage name, lower-cased as Docker keeps it. */
  stageName?: string;
}

export interface Stage {
  /** 0-based, as `COPY --from=0` names it. */
  index: number;
  from: FromInstruction;
  instructions: Instruction[];
}

export interface Dockerfile {
  directives: Directives;
  /** ARGs before the first FROM: usable in FROM lines only (and redeclared in a stage). */
  metaArgs: ArgInstruction[];
  stages: Stage[];
  /**
   * What Docker prints on the build's output before the steps (empty
   * continuation lines), one line each; empty when none.
   */
  warnings?: string[];
}
