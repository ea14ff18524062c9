// Root-only: the parser, the lexer and the build-arg scopes give what Docker
// 20.10's classic builder gives for the same Dockerfiles, checked live
// against a private dockerd (tools/lib/private-dockerd.mjs): the same error
// words for every bad Dockerfile of the unit tests, and the same image config
// for Dockerfiles of metadata steps (built FROM scratch, nothing pulled).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BuildArgs,
  expandInstruction,
  parseDockerfile,
  selectStages,
  type CommandForm,
  type Instruction,
} from '../../src/dockerfile/index.js';
import { parseErrorCases } from '../unit/dockerfile/parse-error-cases.js';
// @ts-expect-error a plain .mjs helper shared with the benchmarks
import { startPrivateDockerd, which } from '../../../../tools/lib/private-dockerd.mjs';

const missing = process.getuid?.() !== 0 ? 'needs root' : which('dockerd') === null ? 'needs dockerd (Debian docker.io)' : undefined;

interface PrivateDockerd {
  client: string;
  host: string[];
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

interface Config {
  Env: string[];
  Labels: Record<string, string>;
  ExposedPorts: string[];
  Volumes: string[];
  User: string;
  WorkingDir: string;
  StopSignal: string;
  Healthcheck: Record<string, unknown> | null;
  Cmd: string[] | null;
  Entrypoint: string[] | null;
  Shell: string[] | null;
  OnBuild: string[];
}

/** The fields of Docker's image config that metadata steps set, with Docker's empty values made uniform. */
function project(c: Record<string, any>): Config {
  return {
    Env: c.Env ?? [],
    Labels: c.Labels ?? {},
    ExposedPorts: Object.keys(c.ExposedPorts ?? {}).sort(),
    Volumes: Object.keys(c.Volumes ?? {}).sort(),
    User: c.User ?? '',
    WorkingDir: c.WorkingDir ?? '',
    StopSignal: c.StopSignal ?? '',
    Healthcheck: c.Healthcheck ?? null,
    Cmd: c.Cmd ?? null,
    Entrypoint: c.Entrypoint ?? null,
    Shell: c.Shell ?? null,
    OnBuild: c.OnBuild ?? [],
  };
}

/** The config a Dockerfile of metadata steps gives, dispatched as Docker's classic builder does, from this package's pieces. */
function dispatch(text: string, buildArgs: Record<string, string>): Config {
  const df = parseDockerfile(text);
  const escape = df.directives.escape;
  const stages = selectStages(df);
  const args = new BuildArgs(buildArgs);
  for (const meta of df.metaArgs) {
    for (const a of expandInstruction(meta, args.lookup([]), escape).args) args.addMetaArg(a.name, a.defaultValue);
  }
  const c = project({ Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] });
  let cmdSet = false;
  const resolve = (command: CommandForm): string[] => {
    if (command.form === 'exec') return command.args;
    return [...(c.Shell ?? ['/bin/sh', '-c']), ...(command.text === '' ? [] : [command.text])];
  };
  const empty = (command: CommandForm) => (command.form === 'exec' ? command.args.length === 0 : command.text === '');
  for (const stage of stages) {
    const scope = args.forStage();
    for (const step of stage.instructions as Instruction[]) {
      const x = expandInstruction(step, scope.lookup(c.Env), escape);
      switch (x.kind) {
        case 'ARG':
          for (const a of x.args) scope.addArg(a.name, a.defaultValue);
          break;
        case 'ENV':
          for (const { key, value } of x.pairs) {
            const at = c.Env.findIndex((e) => e.split('=', 1)[0] === key);
            if (at >= 0) c.Env[at] = `${key}=${value}`;
            else c.Env.push(`${key}=${value}`);
          }
          break;
        case 'LABEL':
          for (const { key, value } of x.pairs) c.Labels[key] = value;
          break;
        case 'EXPOSE':
          c.ExposedPorts = [...new Set([...c.ExposedPorts, ...x.ports.map((p) => (p.includes('/') ? p : `${p}/tcp`))])].sort();
          break;
        case 'VOLUME':
          c.Volumes = [...new Set([...c.Volumes, ...x.paths])].sort();
          break;
        case 'USER':
          c.User = x.user;
          break;
        case 'WORKDIR':
          c.WorkingDir = posix.resolve(c.WorkingDir || '/', x.path);
          break;
        case 'STOPSIGNAL':
          c.StopSignal = x.signal;
          break;
        case 'HEALTHCHECK':
          c.Healthcheck = {
            Test: x.test,
            ...(x.intervalNs && { Interval: x.intervalNs }),
            ...(x.timeoutNs && { Timeout: x.timeoutNs }),
            ...(x.startPeriodNs && { StartPeriod: x.startPeriodNs }),
            ...(x.retries && { Retries: x.retries }),
          };
          break;
        case 'CMD':
          c.Cmd = resolve(x.command);
          if (!empty(x.command)) cmdSet = true;
          break;
        case 'ENTRYPOINT':
          c.Entrypoint = empty(x.command) ? null : resolve(x.command);
          // Docker drops the base's Cmd when ENTRYPOINT comes before any CMD of this build.
          if (!cmdSet) c.Cmd = null;
          break;
        case 'SHELL':
          c.Shell = x.shell;
          break;
        case 'ONBUILD':
          c.OnBuild.push(x.trigger);
          break;
      }
    }
  }
  return c;
}

const configCases: { name: string; dockerfile: string; buildArgs?: Record<string, string> }[] = [
  {
    name: 'every metadata instruction, with variables',
    dockerfile: [
      'FROM scratch',
      'ENV U=u1 W=/w V=/v S=SIGKILL P="90 91"',
      'USER $U',
      'WORKDIR $W/x',
      'WORKDIR rel/${U}',
      'VOLUME $V ["$V"]',
      'VOLUME ["$V", "/z"]',
      'STOPSIGNAL $S',
      'EXPOSE 80 $P 70/udp',
      'ONBUILD RUN $U',
      'SHELL ["/bin/$U", "-x"]',
      'CMD echo $U',
      'LABEL "k $U"=$W other="a b"',
    ].join('\n'),
  },
  {
    name: 'quotes, escapes, positional and special parameters',
    dockerfile:
      'FROM scratch\nENV s=set e=\nENV a=$1x b=$$ c=${1} d=$@x f=\\$x g="a\\zb\\"c" h=\'q\\z\' i=b\\ c j=e\\\\f\n' +
      'LABEL a=${e:+alt} b=${s:+alt} c=${u:+alt} d=${e:-def} f=${u:-def} g=${s:-def} h=${u:-$s} i=${u:-"q r"}\n',
  },
  {
    name: 'the old ENV and LABEL forms',
    dockerfile: 'FROM scratch\nENV a   "b c"  d\nLABEL "x y"="1 2" z=\\"q\nLABEL k   v  w\n',
  },
  {
    name: 'the backtick escape, continuations with comments and empty lines, CRLF',
    dockerfile: '# syntax=x\r\n# escape=`\r\nFROM scratch\r\nENV a=b`$x c="d`"e" f=g\\h `\r\n# comment\r\n\r\n   k=v\r\n',
  },
  {
    name: 'ARG scopes and --build-arg',
    dockerfile:
      'ARG M=meta\nARG N=n\nFROM scratch\nARG S=s1\nARG N\nENV E=env\nARG E=arg\nARG a b=2 c=$b\n' +
      'LABEL m=$M n=$N s=$S e=$E p=$HTTP_PROXY q=$no_proxy a=$a b=$b c=$c\n',
    buildArgs: { N: 'opt', HTTP_PROXY: 'p', S: 'x', a: 'A' },
  },
  {
    name: 'target and meta ARG in FROM',
    dockerfile: 'ARG B=scratch\nFROM ${B} AS one\nENV x=1\nFROM one\nENV y=2\n',
  },
  {
    name: 'healthchecks and command forms',
    dockerfile:
      'FROM scratch\nHEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2h --retries=3 CMD ["a","b"]\n' +
      'ENTRYPOINT ["x" "y"]\nCMD ["a","b"] trailing\n',
  },
  { name: 'an escaped escape character at the end of a line', dockerfile: 'FROM scratch\nLABEL a=x\\\\\nLABEL b=y \\\n\\\n c=z\n' },
  { name: 'CMD alone, then ENTRYPOINT', dockerfile: 'FROM scratch\nCMD\nENTRYPOINT\n' },
  { name: 'CMD [] and CMD alone after SHELL', dockerfile: 'FROM scratch\nCMD []\nSHELL ["/bin/ash"]\nENTRYPOINT []\nCMD\n' },
  {
    name: 'the shell form after SHELL, and an empty CMD',
    dockerfile: 'FROM scratch\nHEALTHCHECK cmd echo  hi  there\nCMD a\nSHELL ["/bin/ash", "-eo", "pipefail", "-c"]\nENTRYPOINT run  it\nCMD\n',
  },
];

describe.skipIf(missing)(`the Dockerfile parser matches Docker 20.10's classic builder (${missing ?? 'private dockerd'})`, () => {
  let dir: string;
  let d: PrivateDockerd;

  const build = (dockerfile: string, extra: string[] = []) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        d.client,
        [...d.host, 'build', '--no-cache', ...extra, '-'],
        { env: { ...d.env, DOCKER_BUILDKIT: '0' }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(dockerfile);
    });
  const docker = (args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile(d.client, [...d.host, ...args], { env: d.env }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ce-builder-parity-'));
    d = (await startPrivateDockerd({ dir: join(dir, 'docker') })) as PrivateDockerd;
  });

  afterAll(async () => {
    await d?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses each bad Dockerfile with the same words', { timeout: 120_000 }, async () => {
    const mismatches: string[] = [];
    for (const [text, message] of parseErrorCases) {
      const r = await build(text);
      const said = /Error response from daemon: (.*)/.exec(r.stderr)?.[1] ?? `(exit ${r.code}) ${r.stderr.trim()}`;
      if (said !== message) mismatches.push(`${JSON.stringify(text)}: docker said ${JSON.stringify(said)}, ce says ${JSON.stringify(message)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it.each(configCases)('gives the same image config: $name', { timeout: 60_000 }, async ({ dockerfile, buildArgs = {} }) => {
    const flags = Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
    const r = await build(dockerfile, ['-q', ...flags]);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    try {
      const config = JSON.parse(await docker(['inspect', '-f', '{{json .Config}}', id]));
      expect(dispatch(dockerfile, buildArgs)).toEqual(project(config));
    } finally {
      await docker(['rmi', id]);
    }
  });
});
