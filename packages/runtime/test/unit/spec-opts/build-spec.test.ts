import { describe, expect, it } from 'vitest';
import { applySpecOpts, buildSpec, buildSpecSync, defaultSpec, withHostname, type SpecOpt } from '../../../src/spec/index.js';

describe('buildSpec', () => {
  it('starts from the default spec and applies the options in order', async () => {
    const seen: string[] = [];
    const mark = (name: string): SpecOpt => (spec) => {
      seen.push(`${name}:${spec.hostname ?? '-'}`);
      spec.hostname = name;
    };
    const spec = await buildSpec([mark('a'), mark('b')]);
    expect(seen).toEqual(['a:-', 'b:a']);
    expect({ ...spec, hostname: undefined }).toEqual({ ...defaultSpec(), hostname: undefined });
  });
  it('waits for an asynchronous option before the next, and hands each the context', async () => {
    const order: string[] = [];
    const slow: SpecOpt = async (_spec, ctx) => {
      await Promise.resolve();
      order.push(`slow ${ctx.rootfs}`);
    };
    await buildSpec([slow, () => void order.push('next')], { rootfs: '/r' });
    expect(order).toEqual(['slow /r', 'next']);
  });
  it('returns a fresh spec each time', () => {
    const a = buildSpecSync([withHostname('a')]);
    a.process!.args!.push('changed');
    expect(buildSpecSync([]).process!.args).toEqual(['sh']);
  });
  it('buildSpecSync refuses an asynchronous option, naming it', () => {
    const readsFiles: SpecOpt = async () => undefined;
    expect(() => buildSpecSync([readsFiles])).toThrow('spec option readsFiles is asynchronous: build the spec with buildSpec, not buildSpecSync');
  });
  it('applySpecOpts edits the spec it is given', async () => {
    const spec = defaultSpec();
    expect(await applySpecOpts(spec, [withHostname('h')])).toBe(spec);
    expect(spec.hostname).toBe('h');
  });
  it('an option that throws stops the build with its error', async () => {
    const bad: SpecOpt = () => {
      throw new Error('no');
    };
    await expect(buildSpec([bad])).rejects.toThrow('no');
  });
});
