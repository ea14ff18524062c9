import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { isCurrentRecord, isRecordV1, type RecordV1 } from './model/migrate.js';
import type { ContainerRecord } from './record.js';

/** Container records on disk, one folder per container, written atomically. */
export class ContainerStore {
  constructor(readonly dir: string) {}

  containerDir(id: string): string {
    return join(this.dir, id);
  }

  logPath(id: string): string {
    return join(this.dir, id, `${id}-json.log`);
  }

  /** Saves the record as it is at the call: changes made while the write is under way go to the next save. */
  async save(record: ContainerRecord): Promise<void> {
    const text = JSON.stringify(record, null, 2);
    await mkdir(this.containerDir(record.Id), { recursive: true, mode: 0o700 });
    await writeFileAtomic(join(this.containerDir(record.Id), 'config.json'), text);
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

  async remove(id: string): Promise<void> {
    await rm(this.containerDir(id), { recursive: true, force: true });
  }
}
