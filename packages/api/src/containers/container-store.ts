import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import type { ContainerRecord } from './record.js';

/** Container records on disk, one folder per container, written atomically. */
export class ContainerStore {
  constructor(readonly dir: string) {}

  containerDir(id: string): string {
    return join(this.dir, id);
  }

  async save(record: ContainerRecord): Promise<void> {
    await mkdir(this.containerDir(record.id), { recursive: true, mode: 0o700 });
    await writeFileAtomic(join(this.containerDir(record.id), 'config.json'), JSON.stringify(record, null, 2));
  }

  /** Every readable record; unreadable ones are returned as problems, not thrown. */
  async loadAll(): Promise<{ records: ContainerRecord[]; problems: { id: string; error: string }[] }> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const records: ContainerRecord[] = [];
    const problems: { id: string; error: string }[] = [];
    for (const id of await readdir(this.dir)) {
      try {
        records.push(JSON.parse(await readFile(join(this.dir, id, 'config.json'), 'utf8')) as ContainerRecord);
      } catch (err) {
        problems.push({ id, error: (err as Error).message });
      }
    }
    return { records, problems };
  }

  async remove(id: string): Promise<void> {
    await rm(this.containerDir(id), { recursive: true, force: true });
  }
}
