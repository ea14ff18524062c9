import { closeSync, mkdtempSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acceptUnix, connectUnix, listenUnix, pipe, recvFd, sendFd, shutdownSocket, socketPair, SyscallError } from '../../src/index.js';

describe('fd passing over unix sockets', () => {
  it('sends an fd with SCM_RIGHTS; the received copy reaches the same pipe', async () => {
    const [a, b] = socketPair();
    const [r, w] = pipe();
    try {
      sendFd(a, w, '/dev/ptmx');
      const got = await recvFd(b);
      expect(got.name).toBe('/dev/ptmx');
      expect(got.fd).not.toBe(w);
      writeSync(got.fd, 'through the copy');
      closeSync(got.fd);
      const buf = Buffer.alloc(64);
      expect(buf.subarray(0, readSync(r, buf)).toString()).toBe('through the copy');
    } finally {
      for (const fd of [a, b, r, w]) closeSync(fd);
    }
  });

  it('rejects a receive when the peer closes without sending', async () => {
    const [a, b] = socketPair();
    const received = recvFd(b);
    closeSync(a);
    await expect(received).rejects.toMatchObject({ code: 'ECONNRESET', message: 'the socket was closed before an fd arrived' });
    closeSync(b);
  });

  it('names the path a connect failed on', () => {
    let err: unknown;
    try {
      connectUnix('/nonexistent/ce-console.sock');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SyscallError);
    expect(err).toMatchObject({ code: 'ENOENT', syscall: 'connect', args: ['/nonexistent/ce-console.sock'] });
  });

  it('waits on its own copy: closing the socket mid-wait cannot make it read a file that reuses the number', async () => {
    const [a, b] = socketPair();
    const received = recvFd(a);
    closeSync(a);
    const [c, d] = socketPair(); // the lowest free numbers: c takes a's
    expect(c).toBe(a);
    const [r, w] = pipe();
    try {
      sendFd(d, w, 'meant for c');
      closeSync(b); // wakes the wait on the first pair
      await expect(received).rejects.toMatchObject({ code: 'ECONNRESET' });
      const got = await recvFd(c);
      expect(got.name).toBe('meant for c');
      closeSync(got.fd);
    } finally {
      for (const fd of [c, d, r, w]) closeSync(fd);
    }
  });

  it('shutdownSocket ends a pending receive while the peer is still open', async () => {
    const [a, b] = socketPair();
    const received = recvFd(a);
    shutdownSocket(a);
    await expect(received).rejects.toMatchObject({ code: 'ECONNRESET' });
    closeSync(a);
    closeSync(b);
  });
});

describe('listening unix sockets of the addon', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ce-native-sock-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a connection and receives the fd sent over it', async () => {
    const path = join(dir, 'console.sock');
    const listener = listenUnix(path);
    const accepted = acceptUnix(listener);
    const client = connectUnix(path);
    const conn = await accepted;
    const [r, w] = pipe();
    try {
      sendFd(client, w, '/dev/ptmx');
      const got = await recvFd(conn);
      expect(got.name).toBe('/dev/ptmx');
      writeSync(got.fd, 'via the console socket');
      closeSync(got.fd);
      const buf = Buffer.alloc(64);
      expect(buf.subarray(0, readSync(r, buf)).toString()).toBe('via the console socket');
    } finally {
      for (const fd of [listener, conn, client, r, w]) closeSync(fd);
    }
  });

  it('shutdownSocket ends a pending accept', async () => {
    const listener = listenUnix(join(dir, 'idle.sock'));
    const accepted = acceptUnix(listener);
    shutdownSocket(listener);
    await expect(accepted).rejects.toMatchObject({ code: 'ECONNABORTED', message: 'the socket stopped listening before a connection arrived' });
    closeSync(listener);
  });

  it('names the path a listen failed on', () => {
    const path = join(dir, 'taken.sock');
    const first = listenUnix(path);
    try {
      expect(() => listenUnix(path)).toThrow(expect.objectContaining({ code: 'EADDRINUSE', syscall: 'bind', args: [path] }));
    } finally {
      closeSync(first);
    }
  });
});
