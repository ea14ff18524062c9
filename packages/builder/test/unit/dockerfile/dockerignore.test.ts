import { describe, expect, it } from 'vitest';
import {
  ContextFilter,
  PatternMatcher,
  buildFilesToRemove,
  cleanPath,
  keepBuildFiles,
  readDockerignore,
} from '../../../src/dockerfile/dockerignore.js';

// A build context: folders end in '/'.
const tree = [
  'a/', 'a/1.go', 'a/b/', 'a/b/2.go', 'a/b/3.txt', 'a/keep/', 'a/keep/k.txt', 'c/', 'c/c.md', 'd/', 'd/e/', 'd/e/f.txt',
  '.dockerignore', 'Dockerfile', 'Dockerfile.dev', '[x]', 'q+', 'x.go', 'y.txt',
];

/**
 * What `COPY . /ctx` holds after a build: the context walked as the Docker
 * CLI walks it, extracted (parents of sent files exist), then the daemon's
 * removal of an ignored Dockerfile and .dockerignore.
 */
function copied(dockerignore: string): string[] {
  const patterns = readDockerignore(dockerignore);
  const filter = new ContextFilter(patterns, { dockerfile: 'Dockerfile' });
  const sent = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of tree) {
      const name = entry.replace(/\/$/, '');
      if (name.slice(0, name.lastIndexOf('/') + 1) !== dir) continue;
      const isDir = entry.endsWith('/');
      const d = filter.decide(name, isDir);
      if (d.send) {
        sent.add(name);
        for (let p = name; p.includes('/'); ) sent.add((p = p.slice(0, p.lastIndexOf('/'))));
      }
      if (d.descend) walk(`${name}/`);
    }
  };
  walk('');
  for (const f of buildFilesToRemove(patterns, 'Dockerfile')) sent.delete(f);
  return [...sent].sort();
}

const docker = (listing: string) =>
  listing
    .split(' ')
    .filter((p) => p !== '.')
    .map((p) => p.replace(/^\.\//, ''))
    .sort();

// Each listing is `find . | sort` in an image Docker 20.10.24 built with
// `COPY . /ctx` from this context and .dockerignore.
describe('.dockerignore as Docker 20.10 applies it', () => {
  it.each([
    ['*.go\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./a ./a/1.go ./a/b ./a/b/2.go ./a/b/3.txt ./a/keep ./a/keep/k.txt ./c ./c/c.md ./d ./d/e ./d/e/f.txt ./q+ ./y.txt'],
    ['a\n!a/keep\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./a ./a/keep ./a/keep/k.txt ./c ./c/c.md ./d ./d/e ./d/e/f.txt ./q+ ./x.go ./y.txt'],
    ['a\n!a/b/2.go\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./a ./a/b ./a/b/2.go ./c ./c/c.md ./d ./d/e ./d/e/f.txt ./q+ ./x.go ./y.txt'],
    ['**/*.txt\n!a/**\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./a ./a/1.go ./a/b ./a/b/2.go ./a/b/3.txt ./a/keep ./a/keep/k.txt ./c ./c/c.md ./d ./d/e ./q+ ./x.go'],
    // Docker 20.10 does not walk into an ignored folder for an exception that does not start with its path.
    ['a\n!**/k.txt\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./c ./c/c.md ./d ./d/e ./d/e/f.txt ./q+ ./x.go ./y.txt'],
    ['*\n!a/b\n', './a ./a/b ./a/b/2.go ./a/b/3.txt'],
    ['# c\n/c/\n  d/e  \n #x.go\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./a ./a/1.go ./a/b ./a/b/2.go ./a/b/3.txt ./a/keep ./a/keep/k.txt ./d ./q+ ./x.go ./y.txt'],
    ['Dockerfile\n.dockerignore\n', './Dockerfile.dev ./[x] ./a ./a/1.go ./a/b ./a/b/2.go ./a/b/3.txt ./a/keep ./a/keep/k.txt ./c ./c/c.md ./d ./d/e ./d/e/f.txt ./q+ ./x.go ./y.txt'],
    // Other regexp characters keep their regexp meaning: [x] is a class, q+ a repeat.
    ['[x]\nq+\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./a ./a/1.go ./a/b ./a/b/2.go ./a/b/3.txt ./a/keep ./a/keep/k.txt ./c ./c/c.md ./d ./d/e ./d/e/f.txt ./q+ ./x.go ./y.txt'],
    ['\\[x\\]\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./a ./a/1.go ./a/b ./a/b/2.go ./a/b/3.txt ./a/keep ./a/keep/k.txt ./c ./c/c.md ./d ./d/e ./d/e/f.txt ./q+ ./x.go ./y.txt'],
    ['a/../c\n./y.txt\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./a ./a/1.go ./a/b ./a/b/2.go ./a/b/3.txt ./a/keep ./a/keep/k.txt ./d ./d/e ./d/e/f.txt ./q+ ./x.go'],
    ['**\n!a\n', './a ./a/1.go ./a/b ./a/b/2.go ./a/b/3.txt ./a/keep ./a/keep/k.txt'],
    ['a/**/2.go\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./a ./a/1.go ./a/b ./a/b/3.txt ./a/keep ./a/keep/k.txt ./c ./c/c.md ./d ./d/e ./d/e/f.txt ./q+ ./x.go ./y.txt'],
    ['*/b\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./a ./a/1.go ./a/keep ./a/keep/k.txt ./c ./c/c.md ./d ./d/e ./d/e/f.txt ./q+ ./x.go ./y.txt'],
    ['?.go\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./a ./a/1.go ./a/b ./a/b/2.go ./a/b/3.txt ./a/keep ./a/keep/k.txt ./c ./c/c.md ./d ./d/e ./d/e/f.txt ./q+ ./y.txt'],
    // The last matching pattern wins: an exception before `*` is lost.
    ['!*.txt\n*\n', '.'],
    ['**/b/**\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./a ./a/1.go ./a/b ./a/keep ./a/keep/k.txt ./c ./c/c.md ./d ./d/e ./d/e/f.txt ./q+ ./x.go ./y.txt'],
    ['d/**/\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./a ./a/1.go ./a/b ./a/b/2.go ./a/b/3.txt ./a/keep ./a/keep/k.txt ./c ./c/c.md ./d ./q+ ./x.go ./y.txt'],
    ['*\n!**/*.txt\n', './y.txt'],
    ['a/*\n!a/keep\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./a ./a/keep ./a/keep/k.txt ./c ./c/c.md ./d ./d/e ./d/e/f.txt ./q+ ./x.go ./y.txt'],
    ['*.md\n!c/*.md\nc\n', './.dockerignore ./Dockerfile ./Dockerfile.dev ./[x] ./a ./a/1.go ./a/b ./a/b/2.go ./a/b/3.txt ./a/keep ./a/keep/k.txt ./d ./d/e ./d/e/f.txt ./q+ ./x.go ./y.txt'],
  ])('%j', (ignore, listing) => {
    expect(copied(ignore)).toEqual(docker(listing));
  });

  it("refuses bad patterns with Docker's words", () => {
    expect(() => new PatternMatcher(readDockerignore('!\n'))).toThrow('illegal exclusion pattern: "!"');
    for (const bad of ['[', 'a[', '[]', '[a-]', 'x\\']) expect(() => new PatternMatcher([bad]), bad).toThrow('syntax error in pattern');
  });
});

describe('readDockerignore', () => {
  it('drops comments and blank lines, cleans paths, strips a leading /, keeps !', () => {
    expect(readDockerignore('\ufeff# c\r\n\n  /a/b/  \n! ./c/../d\n #e\n/\n**/x\n')).toEqual(['a/b', '!d', '#e', '/', '**/x']);
  });
});

describe('PatternMatcher', () => {
  it('matches *, ?, ** and parent folders, the last matching pattern winning', () => {
    const m = new PatternMatcher(['**/*.log', '!keep/*.log', 'build', 'doc?', 'x/**']);
    expect(m.matches('a.log')).toBe(true);
    expect(m.matches('deep/er/a.log')).toBe(true);
    expect(m.matches('keep/a.log')).toBe(false);
    expect(m.matches('build/out/bin')).toBe(true);
    expect(m.matches('docs/readme')).toBe(true);
    expect(m.matches('doc/readme')).toBe(false);
    expect(m.matches('x')).toBe(false);
    expect(m.matches('x/y/z')).toBe(true);
    expect(m.matches('src/build')).toBe(false);
  });

  it('tells whether an ignored folder must still be walked for an exception below it', () => {
    const m = new PatternMatcher(['a', '!a/keep/k.txt', '!**/z']);
    expect(m.mayIncludeBelow('a')).toBe(true);
    expect(m.mayIncludeBelow('a/keep')).toBe(true);
    expect(m.mayIncludeBelow('a/other')).toBe(false);
    expect(new PatternMatcher(['a']).mayIncludeBelow('a')).toBe(false);
  });
});

describe('the Dockerfile and .dockerignore are always sent', () => {
  it('adds exceptions for them when ignored, but not for a Dockerfile from stdin', () => {
    expect(keepBuildFiles(['*'], 'sub/Dockerfile')).toEqual(['*', '!.dockerignore', '!sub/Dockerfile']);
    expect(keepBuildFiles(['*.md'], 'Dockerfile')).toEqual(['*.md']);
    expect(keepBuildFiles(['*'], 'Dockerfile', true)).toEqual(['*', '!.dockerignore']);
  });

  it('and the daemon removes them from the context when ignored', () => {
    expect(buildFilesToRemove(['Dockerfile*', '.dockerignore'], 'Dockerfile.dev')).toEqual(['.dockerignore', 'Dockerfile.dev']);
    expect(buildFilesToRemove(['*.md'], 'Dockerfile')).toEqual([]);
  });
});

describe('cleanPath', () => {
  it('is Go filepath.Clean', () => {
    const cases: [string, string][] = [['', '.'], ['a/', 'a'], ['/a/../..', '/'], ['../a/./b//c/..', '../a/b'], ['a/..', '.'], ['//x', '/x']];
    for (const [input, out] of cases) expect(cleanPath(input)).toBe(out);
  });
});
