import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlatKeyed, readText, writeValue } from './util.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Freezing is asynchronous in the kernel: v1 passes through FREEZING (and
 * may need the write repeated while tasks fork), v2 sets "frozen 1" in
 * cgroup.events once every task stopped. Wait for the settled state.
 */
async function waitUntil(check: () => Promise<boolean>, retry: () => Promise<void>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; !(await check()); delay = Math.min(delay * 2, 50)) {
    if (Date.now() > deadline) throw new Error(`${what}: not settled after ${timeoutMs} ms`);
    await sleep(delay);
    await retry();
  }
}

/** v1: writes FROZEN or THAWED to freezer.state and waits for it to read back. */
export async function freezeV1(dir: string, frozen: boolean): Promise<void> {
  const want = frozen ? 'FROZEN' : 'THAWED';
  await writeValue(dir, 'freezer.state', want);
  await waitUntil(
    async () => (await readText(dir, 'freezer.state')) === want,
    () => writeValue(dir, 'freezer.state', want),
    `freeze ${dir} (${want})`,
  );
}

/** v1: FROZEN or FREEZING both mean the container is not running its code. */
export function isFrozenV1(dir: string | undefined): boolean {
  if (!dir) return false;
  try {
    const state = readFileSync(join(dir, 'freezer.state'), 'utf8').trim();
    return state === 'FROZEN' || state === 'FREEZING';
  } catch {
    return false;
  }
}

/** v2: writes cgroup.freeze and waits until cgroup.events reports the state. */
export async function freezeV2(dir: string, frozen: boolean): Promise<void> {
  const want = frozen ? 1 : 0;
  await writeValue(dir, 'cgroup.freeze', want);
  await waitUntil(
    async () => parseFlatKeyed(await readText(dir, 'cgroup.events')).frozen === want,
    async () => {},
    `freeze ${dir} (${want})`,
  );
}

export function isFrozenV2(dir: string): boolean {
  try {
    return readFileSync(join(dir, 'cgroup.freeze'), 'utf8').trim() === '1';
  } catch {
    return false;
  }
}
