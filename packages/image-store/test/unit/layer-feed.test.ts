import { describe, expect, it } from 'vitest';
import { LayerFeed } from '../../src/registry/layer-feed.js';

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  // Let every callback already queued run; a write held back by the feed stays pending.
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
};

describe('LayerFeed: a download handing its bytes to an extraction', () => {
  it('gives the reader every byte in order, then ends', async () => {
    const feed = new LayerFeed(8);
    const reading = (async () => {
      const got: Buffer[] = [];
      for await (const chunk of feed) got.push(chunk);
      return Buffer.concat(got).toString();
    })();
    for (const part of ['ab', 'cdef', 'ghijklmno', 'p']) await feed.write(Buffer.from(part));
    feed.end();
    expect(await reading).toBe('abcdefghijklmnop');
  });

  it('holds a write back while more than its high-water mark waits unread, so memory stays bounded', async () => {
    const feed = new LayerFeed(10);
    expect(await settled(feed.write(Buffer.alloc(6)))).toBe(true);
    const second = feed.write(Buffer.alloc(6)); // 12 bytes queued: over the mark
    expect(await settled(second)).toBe(false);
    const it = feed[Symbol.asyncIterator]();
    expect((await it.next()).value).toHaveLength(6); // 6 left: under the mark again
    expect(await settled(second)).toBe(true);
  });

  it('drops what is written once the reader stops (the extraction failed), without holding the download', async () => {
    const feed = new LayerFeed(4);
    const it = feed[Symbol.asyncIterator]();
    const held = feed.write(Buffer.alloc(8));
    expect(await settled(held)).toBe(false);
    await it.return!();
    expect(await settled(held)).toBe(true);
    expect(await settled(feed.write(Buffer.alloc(100)))).toBe(true);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it("fails the reader with the download's error, ahead of what is still queued, and releases a held write", async () => {
    const feed = new LayerFeed(4);
    const held = feed.write(Buffer.alloc(8));
    const err = new Error('connection lost');
    feed.fail(err);
    expect(await settled(held)).toBe(true);
    await expect(feed[Symbol.asyncIterator]().next()).rejects.toBe(err);
  });

  it('wakes a reader waiting for bytes when the download fails or ends', async () => {
    const failing = new LayerFeed();
    const waiting = failing[Symbol.asyncIterator]().next();
    failing.fail(new Error('aborted'));
    await expect(waiting).rejects.toThrow('aborted');

    const ending = new LayerFeed();
    const pending = ending[Symbol.asyncIterator]().next();
    ending.end();
    expect(await pending).toEqual({ value: undefined, done: true });
  });
});
