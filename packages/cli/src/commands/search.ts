// ce search: docker search over a registry's catalog (see @ce/image-store registry/search.ts).
import { searchResultFilter, unary } from '@ce/protocol';
import type { SearchImagesResponse, SearchResult } from '@ce/protocol/gen/ce/images/v1/images';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { parseFilterFlag } from '../filter-flag.js';
import { parseDockerFormat, renderDockerFormat } from '../format/docker-format.js';
import { GO_TYPE, type GoStruct } from '../format/go-values.js';
import { parseIntFlag } from '../int-flag.js';
import { collect } from '../output.js';

export const SEARCH_TABLE_FORMAT = 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}\t{{.IsAutomated}}';

export function searchHeader(): GoStruct {
  return { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL', IsAutomated: 'AUTOMATED' };
}

/** docker's searchContext (cli/command/formatter/search.go). */
export function searchContext(r: SearchResult, trunc: boolean): GoStruct {
  const desc = r.description.replace(/[\r\n]/g, ' ');
  return {
    [GO_TYPE]: '*formatter.searchContext',
    Name: r.name,
    Description: trunc && [...desc].length > 45 ? `${[...desc].slice(0, 44).join('')}…` : desc,
    StarCount: String(r.starCount),
    IsOfficial: r.isOfficial ? '[OK]' : '',
    IsAutomated: r.isAutomated ? '[OK]' : '',
  };
}

/** docker search --filter: stars=N, is-official=bool, is-automated=bool. */
export function searchFilter(values: readonly string[]): (r: SearchResult) => boolean {
  const pairs = values.map((value) => parseFilterFlag(value, 'search'));
  try {
    return searchResultFilter(pairs);
  } catch (err) {
    throw new CliExit(1, (err as Error).message);
  }
}

export function registerSearch(program: Command, connect: () => Connection): void {
  program
    .command('search')
    .description("Search a registry's catalog for images")
    .usage('[OPTIONS] HOST[:PORT]/TERM')
    .argument('<term>')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect, [])
    .option('--format <string>', 'Pretty-print search using a Go template')
    .option('--limit <int>', 'Max number of search results', '25')
    .option('--no-trunc', "Don't truncate output")
    .action(async (term: string, opts: { filter: string[]; format?: string; limit: string; trunc: boolean }) => {
      const limit = parseIntFlag(opts.limit, '--limit');
      if (limit < 1 || limit > 100) throw new CliExit(1, `limit ${limit} is outside the range of [1, 100]`);
      const keep = searchFilter(opts.filter);
      let parsed;
      try {
        parsed = parseDockerFormat(opts.format === undefined || opts.format === 'table' ? SEARCH_TABLE_FORMAT : opts.format);
      } catch (err) {
        throw new CliExit(1, `template parsing error: ${(err as Error).message}`);
      }
      const conn = connect();
      let res: SearchImagesResponse;
      try {
        res = await unary<SearchImagesResponse>((cb) => conn.images.search({ term, limit }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      process.stdout.write(renderDockerFormat(parsed, res.results.filter(keep).map((r) => searchContext(r, opts.trunc)), searchHeader()));
    });
}
