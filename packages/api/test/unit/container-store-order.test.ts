import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ContainerStore } from '../../src/containers/container-store.js';
import type { ContainerRecord } from '../../src/containers/record.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const record = (restartCount: number) => ({ Id: 'c1', RestartCount: restartCount }) as unknown as ContainerRecord;

it('lands saves of one container in call order, each as the record was at its call, and a removal after them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-api-test-'));
  dirs.push(dir);
  const store = new ContainerStore(dir);
  const r = record(0);
  const saves: Promise<void>[] = [];
  for (let i = 1; i <= 50; i++) {
    r.RestartCount = i;
    saves.push(store.save(r));
  }
  r.RestartCount = 99; // after the last call: not saved
  await Promise.all(saves);
  expect(JSON.parse(readFileSync(join(dir, 'c1', 'config.json'), 'utf8')).RestartCount).toBe(50);

  const late = store.save(record(51));
  const removed = store.remove('c1');
  await Promise.all([late, removed]);
  expect(existsSync(join(dir, 'c1'))).toBe(false);
});
