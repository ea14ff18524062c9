import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sendFd } from '@ce/native';
import { openConsoleChannel } from '../../src/terminal/console.js';

const openFds = () => readdirSync('/proc/self/fd').length;

describe('openConsoleChannel', () => {
  it('refuses what runc refuses, before opening anything', () => {
    const before = openFds();
    expect(() => openConsoleChannel(true, {})).toThrow('process.terminal is true but there is no console socket to send the terminal to');
    expect(() => openConsoleChannel(false, { consoleSocket: '/x.sock' })).toThrow('cannot use a console socket: process.terminal is false');
    expect(() => openConsoleChannel(false, { receiveTerminal: true })).toThrow('cannot receive a terminal: process.terminal is false');
    expect(() => openConsoleChannel(true, { consoleSocket: '/x.sock', receiveTerminal: true })).toThrow('give either consoleSocket or receiveTerminal, not both');
    expect(() => openConsoleChannel(true, { consoleSocket: '' })).toThrow('consoleSocket must be the path of a unix socket, not ""');
    expect(() => openConsoleChannel(true, { receiveTerminal: true, stdio: ['ignore', 'pipe', 'ignore'] })).toThrow("stdio 'pipe' cannot be used with process.terminal");
    expect(openFds()).toBe(before);
  });

  it('is inert without a terminal', async () => {
    const ch = openConsoleChannel(false, { stdio: ['pipe', 'pipe', 'pipe'] });
    expect(ch.childFd).toBeUndefined();
    expect(await ch.receive()).toBeNull();
  });

  it('receives what is sent on the child end (receiveTerminal), closing both ends of its pair', async () => {
    const before = openFds();
    const ch = openConsoleChannel(true, { receiveTerminal: true, stdio: ['inherit', 'inherit', 'inherit'] });
    expect(openFds()).toBe(before + 2);
    sendFd(ch.childFd!, 0, '/dev/ptmx'); // what ce-init does with the pty master
    ch.releaseChild();
    const fd = await ch.receive();
    expect(fd).toEqual(expect.any(Number));
    expect(openFds()).toBe(before + 1); // only the received fd, the caller's to close
    (await import('node:fs')).closeSync(fd!);
    ch.close();
    expect(openFds()).toBe(before);
  });
});
