import { describe, expect, it } from 'vitest';
import { absolute, assertsDirectory, COPY_ERRORS, planCopy, rebaseAfterLink, rebaseName, splitCopyArg, splitPathDirEntry } from '../../src/copy/index.js';

describe('docker cp path rules', () => {
  it('splits CONTAINER:PATH as docker does (absolute and ./x:y paths are local)', () => {
    expect(splitCopyArg('web:/etc/hosts')).toEqual({ container: 'web', path: '/etc/hosts' });
    expect(splitCopyArg('/tmp/a:b')).toEqual({ container: '', path: '/tmp/a:b' });
    expect(splitCopyArg('./a:b')).toEqual({ container: '', path: './a:b' });
    expect(splitCopyArg('file.txt')).toEqual({ container: '', path: 'file.txt' });
    expect(splitCopyArg('-')).toEqual({ container: '', path: '-' });
  });

  it('splits a path into its parent and last element, "dir/." naming the content', () => {
    expect(splitPathDirEntry('/a/b')).toEqual(['/a', 'b']);
    expect(splitPathDirEntry('/a/b/')).toEqual(['/a', 'b']);
    expect(splitPathDirEntry('/a/b/.')).toEqual(['/a/b', '.']);
    expect(splitPathDirEntry('/')).toEqual(['/', '/']);
    expect(assertsDirectory('/a/')).toBe(true);
    expect(assertsDirectory('/a/.')).toBe(true);
    expect(assertsDirectory('/a')).toBe(false);
  });

  it('keeps the trailing / or /. of a request when making it absolute', () => {
    expect(absolute('etc/../etc/hosts')).toBe('/etc/hosts');
    expect(absolute('/data/')).toBe('/data/');
    expect(absolute('/data/.')).toBe('/data/.');
    expect(absolute('/')).toBe('/');
    expect(absolute('../../..')).toBe('/');
  });

  it("plans a copy by Docker's table", () => {
    const file = { path: '/src/f', isDir: false };
    const dir = { path: '/src/d', isDir: true };
    // to an existing directory: inside it, names unchanged
    expect(planCopy(file, { path: '/dst', exists: true, isDir: true })).toEqual({ extractDir: '/dst' });
    expect(planCopy(dir, { path: '/dst', exists: true, isDir: true })).toEqual({ extractDir: '/dst' });
    // a file over an existing file: renamed to it
    expect(planCopy(file, { path: '/dst/g', exists: true, isDir: false })).toEqual({ extractDir: '/dst', rebase: { from: 'f', to: 'g' } });
    // a directory over a file: refused
    expect(() => planCopy(dir, { path: '/dst/g', exists: true, isDir: false })).toThrow(COPY_ERRORS.cannotCopyDir);
    // to a missing path: created with that name
    expect(planCopy(dir, { path: '/dst/new', exists: false, isDir: false })).toEqual({ extractDir: '/dst', rebase: { from: 'd', to: 'new' } });
    expect(planCopy(file, { path: '/dst/new', exists: false, isDir: false })).toEqual({ extractDir: '/dst', rebase: { from: 'f', to: 'new' } });
    // a file to a missing path ending in "/": refused
    expect(() => planCopy(file, { path: '/dst/new/', exists: false, isDir: false })).toThrow(COPY_ERRORS.dirNotExists);
    // a directory's content to a missing directory: the content under the new name
    expect(planCopy({ path: '/src/d/.', isDir: true }, { path: '/dst/new', exists: false, isDir: false })).toEqual({ extractDir: '/dst', rebase: { from: '.', to: 'new' } });
  });

  it('renames archive entries from their first occurrence of the old base', () => {
    expect(rebaseName('d/x/d', 'd', 'new')).toBe('new/x/d');
    expect(rebaseName('./a.txt', '.', 'new')).toBe('new/a.txt');
    expect(rebaseName('/bin/sh', '/', 'root')).toBe('root/bin/sh');
  });

  it('keeps the requested name when -L follows a link to another name', () => {
    expect(rebaseAfterLink('/a/link', '/b/target')).toEqual(['/b/target', 'link']);
    expect(rebaseAfterLink('/a/link/.', '/b/target')).toEqual(['/b/target/.', '']);
    expect(rebaseAfterLink('/a/same', '/b/same')).toEqual(['/b/same', '']);
  });
});
