import { closeSync, readSync, writeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectUnix, pipe, recvFd, sendFd, socketPair, SyscallError } from '../../src/index.js';

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
});
