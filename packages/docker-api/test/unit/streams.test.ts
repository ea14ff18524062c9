import { describe, expect, it } from 'vitest';
import { ExecInspect } from '@ce/protocol/gen/ce/api/v1/containers';
import { RequestContext } from '../../src/request-context.js';
import { createExecRequest, dockerExecInspect } from '../../src/streams/exec-translation.js';
import { detachKeysOf } from '../../src/streams/detach-keys.js';
import { logLines } from '../../src/streams/log-lines.js';
import { logsQuery, tailLines } from '../../src/streams/logs-query.js';
import { STDCOPY_STDERR, STDCOPY_STDOUT, stdcopyFrame } from '../../src/streams/stdcopy.js';
import { terminalSize } from '../../src/streams/terminal-size.js';

/** A request context with only a query, for the parsers. */
const withQuery = (query: string) => new RequestContext({} as never, undefined, {}, new URLSearchParams(query), '1.41', {} as never, {} as never);

describe('stdcopy framing', () => {
  it('puts the stream id, three zero bytes and the big-endian length before the payload', () => {
    expect([...stdcopyFrame(STDCOPY_STDOUT, Buffer.from('hi\n'))]).toEqual([1, 0, 0, 0, 0, 0, 0, 3, 0x68, 0x69, 0x0a]);
    const big = stdcopyFrame(STDCOPY_STDERR, Buffer.alloc(0x10203));
    expect([...big.subarray(0, 8)]).toEqual([2, 0, 0, 0, 0, 1, 2, 3]);
    expect(big.length).toBe(8 + 0x10203);
  });

  it('writes no frame for an empty payload, as Docker\'s StdWriter', () => {
    expect(stdcopyFrame(STDCOPY_STDOUT, Buffer.alloc(0)).length).toBe(0);
  });
});

describe('log chunks', () => {
  it('are cut into their lines (one frame each, as dockerd frames log entries), an unfinished last line kept', () => {
    expect(logLines(Buffer.from('a\nbb\n\nc')).map(String)).toEqual(['a\n', 'bb\n', '\n', 'c']);
    expect(logLines(Buffer.from(''))).toEqual([]);
  });
});

describe('the logs query', () => {
  it('takes dockerd\'s tail: a count, anything else every line', () => {
    expect(tailLines(null)).toBe(-1);
    expect(tailLines('all')).toBe(-1);
    expect(tailLines('abc')).toBe(-1);
    expect(tailLines('-3')).toBe(-1);
    expect(tailLines('0')).toBe(0);
    expect(tailLines('12')).toBe(12);
    expect(tailLines('99999999999')).toBe(2 ** 31 - 1);
  });

  it('reads the streams, follow, bounds and flags, and wants at least one stream', () => {
    expect(logsQuery(withQuery('stdout=1&follow=true&since=1700000000.5&until=1700000100&tail=5&timestamps=1'), 'web')).toEqual({
      streams: { stdout: true, stderr: false },
      request: { id: 'web', follow: true, since: '1700000000.5', until: '1700000100', tail: 5, timestamps: true, details: false },
    });
    expect(() => logsQuery(withQuery('stdout=0&stderr=false'), 'web')).toThrow('Bad parameters: you must choose at least one stream');
  });
});

describe('resize sizes and detach keys', () => {
  it('read h and w as dockerd\'s strconv.Atoi does', () => {
    expect(terminalSize(withQuery('h=40&w=120'))).toEqual({ height: 40, width: 120 });
    expect(() => terminalSize(withQuery('h=x&w=1'))).toThrow('strconv.Atoi: parsing "x": invalid syntax');
    expect(() => terminalSize(withQuery('w=1'))).toThrow('strconv.Atoi: parsing "": invalid syntax');
    expect(() => terminalSize(withQuery('h=70000&w=1'))).toThrow(/between 0 and 65535/);
  });

  it('default to ctrl-p,ctrl-q and refuse a bad sequence with dockerd\'s words', () => {
    expect([...detachKeysOf(null)]).toEqual([0x10, 0x11]);
    expect([...detachKeysOf('ctrl-x,y')]).toEqual([0x18, 0x79]);
    expect(() => detachKeysOf('ctrl-??')).toThrow('Invalid detach keys (ctrl-??) provided');
  });
});

describe('exec translations', () => {
  it('turn Docker\'s ExecConfig into ced\'s CreateExec', () => {
    expect(createExecRequest('web', { Cmd: ['ls', '-l'], Env: ['A=1'], User: 'nobody', WorkingDir: '/tmp', Tty: true, AttachStdin: true, AttachStdout: true, DetachKeys: 'ctrl-x' })).toEqual({
      id: 'web', cmd: ['ls', '-l'], env: ['A=1'], user: 'nobody', workingDir: '/tmp', tty: true, attachStdin: true, attachStdout: true, attachStderr: false, detachKeys: 'ctrl-x', consoleSize: undefined,
    });
  });

  it('refuse what dockerd refuses, and a privileged exec ce cannot give', () => {
    expect(() => createExecRequest('web', {})).toThrow('No exec command specified');
    expect(() => createExecRequest('web', { Cmd: 'ls' as never })).toThrow(/cannot unmarshal string into Go struct field ExecConfig.Cmd/);
    expect(() => createExecRequest('web', { Cmd: ['ls'], Privileged: true })).toThrow(/privileged exec is not supported/);
  });

  it('give Docker\'s ExecInspect: ExitCode null until the end, the keys\' bytes in base64, user only when set', () => {
    const created = ExecInspect.fromPartial({ id: 'e1', containerId: 'c1', entrypoint: 'sleep', arguments: ['5'], tty: true, detachKeys: 'ctrl-x' });
    expect(dockerExecInspect(created)).toEqual({
      ID: 'e1', Running: false, ExitCode: null, ProcessConfig: { tty: true, entrypoint: 'sleep', arguments: ['5'], privileged: false }, OpenStdin: false, OpenStderr: false, OpenStdout: false, CanRemove: false, ContainerID: 'c1', DetachKeys: 'GA==', Pid: 0,
    });
    const running = dockerExecInspect({ ...created, started: true, running: true, pid: 42, user: 'nobody' });
    expect(running).toMatchObject({ Running: true, ExitCode: null, Pid: 42, ProcessConfig: { user: 'nobody' } });
    expect(dockerExecInspect({ ...created, started: true, exitCode: 126, detachKeys: '' })).toMatchObject({ Running: false, ExitCode: 126, DetachKeys: '' });
  });
});
