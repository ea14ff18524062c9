import { describe, expect, it } from 'vitest';
import { historyContext, historyFormat, historyHeader } from '../../src/commands/history.js';
import { parseListFormat, renderListFormat } from '../../src/list-format.js';

const now = Date.parse('2024-01-01T12:00:00Z');
const entries = [
  { id: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', created: new Date(now - 30_000), createdBy: 'sh -c echo made > /made.txt && rm /bin/vi && mkdir /x', size: 1234567, comment: 'my message', tags: ['mine:latest'] },
  { id: '', created: new Date(now - 3 * 3600_000), createdBy: '/bin/sh -c #(nop)\tCMD ["sh"]', size: 0, comment: '', tags: [] },
];
const render = (o: { quiet?: boolean; trunc?: boolean; human?: boolean; format?: string }) =>
  renderListFormat(
    parseListFormat(historyFormat(o.format, !!o.quiet, o.human ?? true)),
    entries.map((e) => historyContext(e, { trunc: o.trunc ?? true, human: o.human ?? true, now })),
    historyHeader(),
  );

describe('ce history rows', () => {
  it("prints Docker's table: short ids, <missing>, CREATED BY cut to 45 characters, human sizes", () => {
    expect(render({}).split('\n')).toEqual([
      'IMAGE          CREATED          CREATED BY                                      SIZE      COMMENT',
      '0123456789ab   30 seconds ago   sh -c echo made > /made.txt && rm /bin/vi &&…   1.23MB    my message',
      '<missing>      3 hours ago      /bin/sh -c #(nop) CMD ["sh"]                    0B        ',
      '',
    ]);
  });

  it('prints only ids with -q, full ones with --no-trunc', () => {
    expect(render({ quiet: true })).toBe('0123456789ab\n<missing>\n');
    expect(render({ quiet: true, trunc: false })).toBe(`${entries[0]!.id}\n<missing>\n`);
  });

  it('prints dates and byte counts with --human=false and fills a --format template', () => {
    expect(render({ human: false, format: '{{.Size}} {{.Tags}}' })).toBe('1234567 mine:latest\n0 \n');
    expect(render({ human: false }).split('\n')[1]).toMatch(/^0123456789ab {3}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d) {3}/);
  });
});
