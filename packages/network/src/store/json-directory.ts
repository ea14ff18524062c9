// Records kept one JSON file each in a folder, each write atomic
// (@ce/protocol/atomic-file), all read back at start.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@ce/protocol/atomic-file';
import { internal, invalidArgument } from '@ce/protocol/errors';

const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export class JsonDirectory<T> {
  constructor(readonly dir: string) {}

  async readAll(): Promise<Map<string, T>> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const records = new Map<string, T>();
    for (const entry of await readdir(this.dir)) {
      // A write a crash interrupted: the record it was replacing is intact beside it.
      if (entry.startsWith('.tmp-')) await rm(join(this.dir, entry), { force: true });
      if (!entry.endsWith('.json') || entry.startsWith('.')) continue;
      const path = join(this.dir, entry);
      try {
        records.set(entry.slice(0, -'.json'.length), JSON.parse(await readFile(path, 'utf8')) as T);
      } catch (err) {
        throw internal(`corrupt record ${path}`, err);
      }
    }
    return records;
  }

  async write(key: string, record: T): Promise<void> {
    await writeFileAtomic(this.pathOf(key), `${JSON.stringify(record, null, 2)}\n`, 0o600);
  }

  /** Nothing to do when absent. */
  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    if (!SAFE_KEY.test(key)) throw invalidArgument(`invalid record key ${JSON.stringify(key)}`);
    return join(this.dir, `${key}.json`);
  }
}

/** A JsonDirectory read once and then kept in memory, every change written through. */
export class CachedJsonDirectory<T> {
  private readonly files: JsonDirectory<T>;
  private readonly records = new Map<string, T>();

  constructor(dir: string) {
    this.files = new JsonDirectory<T>(dir);
  }

  async load(): Promise<void> {
    const records = await this.files.readAll();
    this.records.clear();
    for (const [key, record] of records) this.records.set(key, record);
  }

  values(): T[] {
    return [...this.records.values()];
  }

  get(key: string): T | undefined {
    return this.records.get(key);
  }

  async put(key: string, record: T): Promise<void> {
    await this.files.write(key, record);
    this.records.set(key, record);
  }

  async delete(key: string): Promise<void> {
    await this.files.remove(key);
    this.records.delete(key);
  }
}
