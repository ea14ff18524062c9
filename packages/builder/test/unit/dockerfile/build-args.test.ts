import { describe, expect, it } from 'vitest';
import { BuildArgs, expandInstruction, parseDockerfile, type ArgInstruction, type Instruction } from '../../../src/dockerfile/index.js';

/**
 * Walks a Dockerfile's ARG/ENV/LABEL steps the way Docker's classic builder
 * dispatches them, and gives each stage's labels: enough to check the
 * scoping against what Docker 20.10 put in the same images.
 */
function labelsPerStage(text: string, options: Record<string, string | null>) {
  const df = parseDockerfile(text);
  const build = new BuildArgs(options);
  const declare = (scope: BuildArgs, arg: ArgInstruction, env: string[], meta: boolean) => {
    const expanded = expandInstruction(arg, scope.lookup(env));
    for (const a of expanded.args) (meta ? scope.addMetaArg(a.name, a.defaultValue) : scope.addArg(a.name, a.defaultValue));
  };
  for (const meta of df.metaArgs) declare(build, meta, [], true);
  const out: Record<string, string>[] = [];
  for (const stage of df.stages) {
    const scope = build.forStage();
    const env: string[] = [];
    const labels: Record<string, string> = {};
    for (const i of stage.instructions as Instruction[]) {
      if (i.kind === 'ARG') declare(scope, i, env, false);
      const x = expandInstruction(i, scope.lookup(env));
      if (x.kind === 'ENV') env.push(...x.pairs.map((p) => `${p.key}=${p.value}`));
      if (x.kind === 'LABEL') for (const p of x.pairs) labels[p.key] = p.value;
    }
    out.push(labels);
  }
  return { labels: out, warning: build.unusedWarning(), build };
}

describe('BuildArgs', () => {
  it('scopes ARGs as Docker 20.10 did for the same Dockerfile and --build-args', () => {
    const { labels, warning } = labelsPerStage(
      [
        'ARG M=meta',
        'ARG N=n',
        'FROM scratch AS one',
        'ARG S=s1',
        'ARG N',
        'ENV E=env',
        'ARG E=arg',
        'LABEL m=$M n=$N s=$S e=$E p=$HTTP_PROXY q=$no_proxy',
        'FROM scratch',
        'LABEL s=$S n=$N',
      ].join('\n'),
      { N: 'opt', HTTP_PROXY: 'p', zz: '1', aa: '2', S: 'x' },
    );
    // Meta M is not in effect without redeclaring it; ENV wins over ARG; the proxy arg needs no ARG.
    expect(labels[0]).toEqual({ e: 'env', m: '', n: 'opt', p: 'p', q: '', s: 'x' });
    // Nothing of stage one's ARGs carries over.
    expect(labels[1]).toEqual({ n: '', s: '' });
    expect(warning).toBe('[Warning] One or more build-args [aa zz] were not consumed');
  });

  it('gives a redeclared meta ARG its meta value, and --build-arg the last word', () => {
    expect(labelsPerStage('ARG M=meta\nFROM scratch\nARG M\nLABEL m=$M', {}).labels[0]).toEqual({ m: 'meta' });
    expect(labelsPerStage('ARG M=meta\nFROM scratch\nARG M\nLABEL m=$M', { M: 'o' }).labels[0]).toEqual({ m: 'o' });
    expect(labelsPerStage('ARG M=meta\nFROM scratch\nARG M=stage\nLABEL m=$M', {}).labels[0]).toEqual({ m: 'stage' });
  });

  it('expands an ARG line against what was in effect before it', () => {
    expect(labelsPerStage('FROM scratch\nARG a b=2 c=$b\nARG d=$b\nLABEL a=$a b=$b c=$c d=$d', { a: 'x' }).labels[0]).toEqual({
      a: 'x',
      b: '2',
      c: '',
      d: '2',
    });
  });

  it('leaves out a declared ARG without a value, and a --build-arg without one', () => {
    const build = new BuildArgs({ A: null });
    const stage = build.forStage();
    stage.addArg('A');
    stage.addArg('B');
    expect([...stage.inEffect()]).toEqual([]);
    expect(build.unusedWarning()).toBeUndefined();
  });

  it('expands FROM with the meta ARGs only', () => {
    const build = new BuildArgs({ B: 'override' });
    build.addMetaArg('B', 'base');
    build.addMetaArg('C', 'c');
    const stage = build.forStage();
    stage.addArg('S', 's');
    expect(build.fromLookup()('B')).toBe('override');
    expect(build.fromLookup()('C')).toBe('c');
    expect(stage.fromLookup()('S')).toBeUndefined();
  });

  it('gives the RUN history prefix Docker 20.10 wrote for the same build', () => {
    // FROM busybox / ARG B=1 / ARG A / ARG HTTP_PROXY / ENV B=env / RUN true / ARG C="x y" / RUN true,
    // with --build-arg A=a --build-arg HTTP_PROXY=h --build-arg https_proxy=z: Docker's history shows
    // `|2 A=a HTTP_PROXY=h /bin/sh -c true` and `|3 A=a C=x y HTTP_PROXY=h /bin/sh -c true`.
    const stage = new BuildArgs({ A: 'a', HTTP_PROXY: 'h', https_proxy: 'z' }).forStage();
    stage.addArg('B', '1');
    stage.addArg('A');
    stage.addArg('HTTP_PROXY');
    const env = ['PATH=/bin', 'B=env'];
    expect(stage.runHistoryPrefix(env)).toEqual(['|2', 'A=a', 'HTTP_PROXY=h']);
    stage.addArg('C', 'x y');
    expect(stage.runHistoryPrefix(env)).toEqual(['|3', 'A=a', 'C=x y', 'HTTP_PROXY=h']);
    // The RUN still gets the undeclared proxy arg in its environment.
    expect(stage.notInEnv(env).sort()).toEqual(['A=a', 'C=x y', 'HTTP_PROXY=h', 'https_proxy=z']);
    expect(new BuildArgs().forStage().runHistoryPrefix([])).toEqual([]);
  });
});
