// Root-only: process.terminal — a pty opened inside the container, its master delivered to the caller.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ReadStream } from 'node:tty';
import { setChildSubreaper, setWindowSize, waitPid } from '@ce/native';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/default-spec.js';
import { ConsoleSocket } from '../../src/terminal/console-socket.js';
import { Fixture, isRoot, stateDirExists } from './helpers.js';

/** Drives a shell on the pty master `fd`: sends `input`, returns what the terminal shows once `until` matches. */
function converse(fd: number, input: string, until: RegExp): Promise<{ output: string; tty: ReadStream }> {
  const tty = new ReadStream(fd);
  let output = '';
  return new Promise((resolve, reject) => {
    tty.setEncoding('utf8');
    tty.on('data', (d: string) => {
      output += d;
      if (until.test(output)) resolve({ output, tty });
    });
    // EIO once the last process holding the slave has gone
    tty.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EIO' ? resolve({ output, tty }) : reject(err)));
    tty.on('close', () => resolve({ output, tty }));
    tty.write(input);
  });
}

const QUESTION = 'tty; stty size; echo $((6*7))\n';
const RUNC = '/usr/sbin/runc';

describe.skipIf(!isRoot)('terminal (root)', () => {
  let f: Fixture;
  beforeEach(() => {
    f = new Fixture();
    for (const applet of ['tty', 'stty']) symlinkSync('busybox', join(f.rootfs, 'bin', applet));
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
  });

  it('gives the container a pty of its own, sized as asked, and hands the master back (receiveTerminal)', async () => {
    f.writeSpec(['sh'], (s) => {
      s.process!.terminal = true;
      s.process!.consoleSize = { height: 31, width: 97 };
    });
    const c = await f.rt.create('t1', f.bundle, { receiveTerminal: true });
    expect(c.terminal).toEqual(expect.any(Number));
    expect(c.stdout).toBeNull();
    await f.rt.start('t1');
    const { output, tty } = await converse(c.terminal!, QUESTION, /^42\r?$/m);
    expect(output).toMatch(/^\/dev\/pts\/0\r?$/m);
    expect(output).toMatch(/^31 97\r?$/m);
    expect(output).toMatch(/^42\r?$/m);
    // what a client does on SIGWINCH: resize through the master
    setWindowSize(c.terminal!, { rows: 45, cols: 160 });
    const resized = new Promise<string>((resolve) => {
      let more = '';
      tty.on('data', (d: string) => {
        more += d;
        if (/^45 160\r?$/m.test(more)) resolve(more);
      });
    });
    tty.write('stty size\n');
    expect(await resized).toMatch(/^45 160\r?$/m);
    tty.write('exit 3\n');
    expect((await c.exited).exitStatus).toBe(3);
    tty.destroy();
  });

  it('sends the master to a console socket path (runc --console-socket), for create and exec', async () => {
    f.writeSpec(['sh'], (s) => {
      s.process!.terminal = true;
      s.process!.consoleSize = { height: 24, width: 80 };
    });
    const sock = await ConsoleSocket.listen(join(f.dir, 'console.sock'));
    try {
      const c = await f.rt.create('t2', f.bundle, { consoleSocket: sock.path });
      expect(c.terminal).toBeNull();
      const master = await sock.receive();
      await f.rt.start('t2');
      const { output, tty } = await converse(master, QUESTION, /^42\r?$/m);
      expect(output).toMatch(/^\/dev\/pts\/0\r?$/m);
      expect(output).toMatch(/^24 80\r?$/m);
      // an exec sends its own terminal to a console socket too (runc exec --console-socket)
      const execSock = await ConsoleSocket.listen(join(f.dir, 'exec-console.sock'));
      try {
        const p = await f.rt.exec('t2', { ...defaultSpec().process!, args: ['sh'], terminal: true }, { consoleSocket: execSock.path });
        expect(p.terminal).toBeNull();
        const execTty = await converse(await execSock.receive(), 'tty; exit 4\n', /^\/dev\/pts\/1\r?$/m);
        expect((await p.exited).exitStatus).toBe(4);
        execTty.tty.destroy();
      } finally {
        await execSock.close();
      }
      tty.write('exit\n');
      expect((await c.exited).exitStatus).toBe(0);
      tty.destroy();
    } finally {
      await sock.close();
    }
    expect(existsSync(join(f.dir, 'console.sock'))).toBe(false);
  });

  it.skipIf(!existsSync(RUNC))('receives the terminal runc 1.1 sends to a console socket (the protocol Docker and containerd speak)', async () => {
    f.writeSpec(['sh'], (s) => {
      s.process!.terminal = true;
      s.process!.consoleSize = { height: 50, width: 132 };
      s.linux!.cgroupsPath = f.cgroupName;
      // runc 1.1's v1 device controller refuses to punch holes in our default deny-all + allow-list under a relative path
      delete s.linux!.resources;
    });
    const sock = await ConsoleSocket.listen(join(f.dir, 'runc-console.sock'));
    const runc = (...args: string[]) => execFileSync(RUNC, ['--root', join(f.dir, 'runc-state'), ...args], { stdio: 'pipe' });
    const id = `ce-tty-interop-${process.pid}`;
    setChildSubreaper(true); // runc's container init is reparented here: reap it after the delete
    let pid = 0;
    try {
      runc('create', '--bundle', f.bundle, '--console-socket', sock.path, id);
      pid = JSON.parse(runc('state', id).toString()).pid;
      const master = await sock.receive();
      runc('start', id);
      const { output, tty } = await converse(master, QUESTION, /^42\r?$/m);
      expect(output).toMatch(/^\/dev\/pts\/0\r?$/m);
      expect(output).toMatch(/^50 132\r?$/m);
      tty.destroy();
    } finally {
      await sock.close();
      runc('delete', '--force', id);
      if (pid) await waitPid(pid);
    }
  });

  it('closing a console socket ends a receive still waiting, and removes the socket file', async () => {
    const sock = await ConsoleSocket.listen(join(f.dir, 'idle-console.sock'));
    const pending = sock.receive();
    expect(existsSync(sock.path)).toBe(true);
    await sock.close();
    await expect(pending).rejects.toMatchObject({ code: 'Unavailable', message: expect.stringContaining('stopped listening') });
    expect(existsSync(sock.path)).toBe(false);
    await expect(ConsoleSocket.listen(f.dir)).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('Address already in use') });
  });

  it('runs an exec with a terminal of its own, owned by the exec user', async () => {
    f.writeSpec(['sleep', '30']);
    await f.rt.create('t3', f.bundle);
    await f.rt.start('t3');
    const proc = { ...defaultSpec().process!, args: ['sh'], terminal: true, consoleSize: { height: 40, width: 120 }, user: { uid: 1000, gid: 1000 } };
    const p = await f.rt.exec('t3', proc, { receiveTerminal: true });
    const { output, tty } = await converse(p.terminal!, `${QUESTION}stat -c %u $(tty); id -u\n`, /^1000\r?\n1000\r?$/m);
    expect(output).toMatch(/^\/dev\/pts\/0\r?$/m);
    expect(output).toMatch(/^40 120\r?$/m);
    expect(output).toMatch(/^42\r?$/m);
    tty.write('exit 5\n');
    expect((await p.exited).exitStatus).toBe(5);
    tty.destroy();
  });

  it('refuses a terminal it cannot deliver, and a console socket without a terminal, leaving nothing behind', async () => {
    const openFds = () => readdirSync('/proc/self/fd').length;
    const fdsBefore = openFds();
    f.writeSpec(['sh'], (s) => (s.process!.terminal = true));
    await expect(f.rt.create('t4', f.bundle)).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: 'process.terminal is true but there is no console socket to send the terminal to (give consoleSocket, or receiveTerminal)',
    });
    await expect(f.rt.create('t4', f.bundle, { receiveTerminal: true, stdio: ['pipe', 'pipe', 'pipe'] })).rejects.toThrow(
      "stdio 'pipe' cannot be used with process.terminal: the terminal is the process's stdio",
    );
    await expect(f.rt.create('t4', f.bundle, { consoleSocket: join(f.dir, 'nobody-listens.sock') })).rejects.toThrow(
      /^console socket \/.*\/nobody-listens\.sock: connect: No such file or directory$/,
    );
    f.writeSpec(['true']);
    await expect(f.rt.create('t4', f.bundle, { consoleSocket: join(f.dir, 'x.sock') })).rejects.toThrow(
      'cannot use a console socket: process.terminal is false',
    );
    expect(stateDirExists(f, 't4')).toBe(false);
    expect(openFds()).toBe(fdsBefore); // no console socket left open
  });

  it('fails create when the container has no devpts to open a pty in, closing the console socket', async () => {
    f.writeSpec(['sh'], (s) => {
      s.process!.terminal = true;
      s.mounts = s.mounts!.filter((m) => m.type !== 'devpts');
    });
    await expect(f.rt.create('t5', f.bundle, { receiveTerminal: true })).rejects.toThrow(/^open terminal \/dev\/ptmx: No such file or directory$/);
    expect(stateDirExists(f, 't5')).toBe(false);
  });
});
