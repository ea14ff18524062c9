import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerRestart } from '../../src/commands/restart.js';
import { registerStop } from '../../src/commands/stop.js';
import type { Connection } from '../../src/connection.js';
import { CliExit } from '../../src/errors.js';
import { parseIntFlag } from '../../src/int-flag.js';
import { timeFlag } from '../../src/stop-flags.js';

describe('integer flags, as Go strconv.ParseInt takes them', () => {
  it.each([
    ['10', 10],
    ['0', 0],
    ['-1', -1],
    ['+5', 5],
  ])('accepts %s', (value, n) => {
    expect(parseIntFlag(value, '-t, --time')).toBe(n);
  });
  it.each(['soon', '1.5', '', '1s', '0x10'])('refuses %j in Docker words', (value) => {
    expect(() => parseIntFlag(value, '-t, --time')).toThrow(`invalid argument "${value}" for "-t, --time" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
  });
  it('takes what Go takes beyond int32, and clamps it for the API: it all means "wait"', () => {
    expect(timeFlag('3000000000', 'stop')).toBe(2147483647);
    expect(timeFlag('-3000000000', 'stop')).toBe(-2147483648);
    expect(() => parseIntFlag('99999999999999999999', '--stop-timeout')).toThrow(/value out of range/);
  });
});

describe('-t, --time', () => {
  it('is unset unless given, so that the container stop timeout applies', () => {
    expect(timeFlag(undefined, 'stop')).toBeUndefined();
    expect(timeFlag('3', 'stop')).toBe(3);
  });
  it('ends a bad value with exit 125 and the usage hint', () => {
    let thrown: unknown;
    try {
      timeFlag('x', 'restart');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(CliExit);
    expect((thrown as CliExit).exitCode).toBe(125);
    expect((thrown as CliExit).message).toMatch(/\nSee 'ce restart --help'\.$/);
  });
});

/** Parses a command line against a connection that records the requests it gets. */
async function requestsOf(argv: string[]): Promise<{ method: string; request: unknown }[]> {
  const requests: { method: string; request: unknown }[] = [];
  const answer = (method: string) => (request: unknown, cb: (err: null, res: object) => void) => {
    requests.push({ method, request });
    cb(null, {});
  };
  const conn = { target: 'unix:///test.sock', containers: { stop: answer('stop'), restart: answer('restart') } } as unknown as Connection;
  const program = new Command('ce').exitOverride();
  registerStop(program, () => conn);
  registerRestart(program, () => conn);
  await program.parseAsync(argv, { from: 'user' });
  return requests;
}

describe('ce stop / ce restart parsing', () => {
  afterEach(() => vi.restoreAllMocks());

  it('sends one request per container, with the timeout only when -t is given', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await requestsOf(['stop', 'a', 'b'])).toEqual([
      { method: 'stop', request: { id: 'a', timeout: undefined } },
      { method: 'stop', request: { id: 'b', timeout: undefined } },
    ]);
    expect(await requestsOf(['stop', '-t', '0', 'a'])).toEqual([{ method: 'stop', request: { id: 'a', timeout: 0 } }]);
    expect(await requestsOf(['restart', '--time', '-1', 'c'])).toEqual([{ method: 'restart', request: { id: 'c', timeout: -1 } }]);
    expect(out.mock.calls.map((c) => c[0])).toEqual(['a\n', 'b\n', 'a\n', 'c\n']);
  });
});
