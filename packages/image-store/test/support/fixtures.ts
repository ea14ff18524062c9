// Per-test resources the registry tests start, stopped after each test (in
// reverse order), and the CeError a promise rejects with.
import { afterEach, expect } from 'vitest';
import { CeError } from '@ce/protocol';
import { startRegistry, type RegistryServer } from './registry.js';
import { openTempStore, type TempStore } from './stores.js';

const cleanups: Array<() => Promise<void>> = [];

/** Registers the afterEach that stops what the test started; call once per test file. */
export function stopAfterEach(): void {
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
}

/** Something else to undo after the test (a child process, a server). */
export function onCleanup(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

export async function registry(...args: Parameters<typeof startRegistry>): Promise<RegistryServer> {
  const r = await startRegistry(...args);
  cleanups.push(() => r.stop());
  return r;
}

export async function store(...args: Parameters<typeof openTempStore>): Promise<TempStore> {
  const s = await openTempStore(...args);
  cleanups.push(s.cleanup);
  return s;
}

/** The CeError `p` rejects with (the test fails if it resolves or rejects with something else). */
export async function rejection(p: Promise<unknown>): Promise<CeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CeError);
  return err as CeError;
}
