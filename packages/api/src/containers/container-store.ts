import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { isCurrentRecord, isRecordV1, type RecordV1 } from './model/migrate.js';
import type { ContainerRecord } from './record.js';

/** Container records on disk, one folder per container, written atomically. */
export class ContainerStore {
  /** The last write or removal under way per container: the next waits for it, so they land in call order. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(readonly dir: string) {}

  containerDir(id: string): string {
    return join(this.dir, id);
  }

  logPath(id: string): string {
    return join(this.dir, id, `${id}-json.log`);
  }

  /**
   * Saves the record as it is at the call: changes made while the write is under way go to the next
   * save. Saves of one container land in call order (an earlier one never overwrites a later one).
   */
  save(record: ContainerRecord): Promise<void> {
    const text = JSON.stringify(record, null, 2);
    const dir = this.containerDir(record.Id);
    return this.inOrder(record.Id, async () => {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(join(dir, 'config.json'), text);
    });
  }

  /**
   * Every readable record: current ones, and those of schema 1 for the
   * caller to migrate; unreadable or unknown ones are returned as problems, not thrown.
   */
  async loadAll(): Promise<{ records: ContainerRecord[]; legacy: RecordV1[]; problems: { id: string; error: string }[] }> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const records: ContainerRecord[] = [];
    const legacy: RecordV1[] = [];
    const problems: { id: string; error: string }[] = [];
    for (const id of await readdir(this.dir)) {
      try {
        const raw: unknown = JSON.parse(await readFile(join(this.dir, id, 'config.json'), 'utf8'));
        if (isCurrentRecord(raw)) records.push(raw);
        else if (isRecordV1(raw)) legacy.push(raw);
        else {
          const version = (raw as { SchemaVersion?: unknown } | null)?.SchemaVersion;
          problems.push({ id, error: version === undefined ? 'not a container record' : `record schema ${String(version)} is newer than this ced knows` });
        }
      } catch (err) {
        problems.push({ id, error: (err as Error).message });
      }
    }
    return { records, legacy, problems };
  }

  /** Removes the container's folder, after the saves called before it (none of them brings it back). */
  remove(id: string): Promise<void> {
    return this.inOrder(id, () => rm(this.containerDir(id), { recursive: true, force: true }));
  }

  private inOrder(id: string, write: () => Promise<void>): Promise<void> {
    const mine = (this.pending.get(id) ?? Promise.resolve()).catch(() => undefined).then(write);
    this.pending.set(id, mine);
    const forget = () => {
      if (this.pending.get(id) === mine) this.pending.delete(id);
    };
    mine.then(forget, forget);
    return mine;
  }
}
