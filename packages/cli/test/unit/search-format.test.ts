import { describe, expect, it } from 'vitest';
import { searchContext, searchFilter } from '../../src/commands/search.js';

const result = (name: string, o: Partial<{ description: string; starCount: number; isOfficial: boolean; isAutomated: boolean }> = {}) => ({
  name,
  description: o.description ?? '',
  starCount: o.starCount ?? 0,
  isOfficial: o.isOfficial ?? false,
  isAutomated: o.isAutomated ?? false,
});

describe('ce search output', () => {
  it("shows docker's searchContext: [OK] flags, a description cut at 45 unless --no-trunc", () => {
    const long = 'An image whose description\nruns far longer than forty-five characters';
    const ctx = searchContext(result('r/a', { description: long, starCount: 3, isOfficial: true }), true);
    expect(ctx).toMatchObject({ Name: 'r/a', StarCount: '3', IsOfficial: '[OK]', IsAutomated: '' });
    expect(ctx.Description).toBe('An image whose description runs far longer t…');
    expect(searchContext(result('r/a', { description: long }), false).Description).toBe(long.replace('\n', ' '));
  });

  it('filters on stars, is-official and is-automated, refusing other keys', () => {
    const keep = searchFilter(['stars=2', 'is-official=true']);
    expect(keep(result('a', { starCount: 2, isOfficial: true }))).toBe(true);
    expect(keep(result('b', { starCount: 1, isOfficial: true }))).toBe(false);
    expect(keep(result('c', { starCount: 5 }))).toBe(false);
    expect(() => searchFilter(['stars=many'])).toThrow("Invalid filter 'stars=many'");
    expect(() => searchFilter(['name=x'])).toThrow("Invalid filter 'name'");
  });
});
