import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordStore, type StoredRecord } from '../../src/record-store.js';

class Store extends RecordStore<StoredRecord> {
  static async open(dir: string): Promise<Store> {
    const store = new Store(dir, { notFound: (id) => `no ${id}`, reserved: (name, holder) => `${name} is ${holder}'s` });
    await store.load();
    return store;
  }
}

describe('RecordStore ids', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ce-test-records-'));
    store = await Store.open(dir);
    for (const id of ['abc111', 'abc222', 'def333']) await store.save({ id, name: `n-${id}` });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('finds by the whole id or a prefix of one; nothing for no match', () => {
    expect(store.find('abc111')?.id).toBe('abc111');
    expect(store.find('de')?.id).toBe('def333');
    expect(store.find('x')).toBeUndefined();
    expect(() => store.get('x')).toThrow('no x');
  });

  it("refuses a prefix of several ids in containerd's words, so that an idempotent Stop does not take it for 'not there'", () => {
    expect(() => store.find('abc')).toThrow(expect.objectContaining({ code: 'InvalidArgument', message: 'multiple IDs found with provided prefix: abc' }));
    expect(() => store.get('abc')).toThrow('multiple IDs found with provided prefix: abc');
  });
});
