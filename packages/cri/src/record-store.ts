// Records of the CRI's objects (pod sandboxes, containers), one JSON file each
// in a folder under ced's root, so that a ced restart keeps them; each holds a
// name reserved while it exists, as containerd reserves names.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alreadyExists, invalidArgument, notFound } from '@ce/protocol';

export interface StoredRecord {
  id: string;
  name: string;
}

/** How a store words its refusals (containerd's words differ between sandboxes and containers). */
export interface RecordWords {
  notFound(id: string): string;
  reserved(name: string, holderId: string): string;
}

export class RecordStore<T extends StoredRecord> {
  private readonly records = new Map<string, T>();

  protected constructor(
    private readonly dir: string,
    private readonly words: RecordWords,
  ) {}

  /** Loads the folder's records (made if absent). */
  protected async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (const file of await readdir(this.dir)) {
      if (!file.endsWith('.json')) continue;
      const record = JSON.parse(await readFile(join(this.dir, file), 'utf8')) as T;
      this.records.set(record.id, record);
    }
  }

  list(): T[] {
    return [...this.records.values()];
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  get(id: string): T {
    const record = this.find(id);
    if (!record) throw notFound(this.words.notFound(id));
    return record;
  }

  /**
   * The record whose id is `idOrPrefix` or the only one starting with it;
   * a prefix of several is refused in containerd's (truncindex's) words, so
   * that an idempotent Stop or Remove never takes it for "not there".
   */
  find(idOrPrefix: string): T | undefined {
    if (!idOrPrefix) return undefined;
    const exact = this.records.get(idOrPrefix);
    if (exact) return exact;
    const matches = this.list().filter((r) => r.id.startsWith(idOrPrefix));
    if (matches.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${idOrPrefix}`);
    return matches[0];
  }

  /** Reserves the record's name; AlreadyExists, in containerd's words, when another record holds it. */
  reserve(record: T): void {
    const holder = this.list().find((r) => r.name === record.name);
    if (holder) throw alreadyExists(this.words.reserved(record.name, holder.id));
    this.records.set(record.id, record);
  }

  async save(record: T): Promise<void> {
    this.records.set(record.id, record);
    const file = join(this.dir, `${record.id}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify(record, null, 2), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  }

  async delete(id: string): Promise<void> {
    this.records.delete(id);
    await rm(join(this.dir, `${id}.json`), { force: true });
  }
}
