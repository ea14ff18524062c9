// The socket file of serveUnix: it appears ready and with its mode, and a
// closing server never removes the socket of a later server at the same path
// (a shim whose task was deleted closes while the next shim of that id serves).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adaptService, dialUnix, serveUnix, unary, type UnixServer } from '../../src/index.js';
import { InfoResponse, SystemClient, SystemPruneResponse, SystemService, type VersionResponse } from '../../src/gen/ce/api/v1/system.js';

const dirs: string[] = [];
const servers: UnixServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close(100);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ce-unix-server-test-'));
  dirs.push(dir);
  return dir;
}

/** A System service that reports `version`, so a test can tell which server answered. */
function systemService(version: string) {
  return [
    SystemService,
    adaptService(SystemService, {
      version: async () => ({ version, apiVersion: 'v1', gitCommit: '', nodeVersion: '', os: 'linux', arch: 'x64', kernelVersion: '', cgroupVersion: 'v1', pid: 0 }),
      ping: async () => ({}),
      prune: async () => SystemPruneResponse.fromPartial({}),
      info: async () => InfoResponse.fromPartial({}),
      pruneContainers: async () => ({ containersDeleted: [], reclaimedBytes: 0 }),
    }),
  ] as Parameters<typeof serveUnix>[1][number];
}

async function versionAt(path: string): Promise<string> {
  const client = dialUnix(SystemClient, path);
  try {
    return (await unary<VersionResponse>((cb) => client.version({}, cb))).version;
  } finally {
    client.close();
  }
}

describe('serveUnix', () => {
  it('replaces a stale file at the path and leaves nothing else in the directory', async () => {
    const dir = tempDir();
    const path = join(dir, 'api.sock');
    writeFileSync(path, 'stale');
    const server = await serveUnix(path, [systemService('one')], { mode: 0o600 });
    servers.push(server);
    expect(statSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['api.sock']);
    expect(await versionAt(path)).toBe('one');
    await servers.pop()!.close(100);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a server that closes after another took over its path leaves the other's socket", async () => {
    const path = join(tempDir(), 'task.sock');
    const first = await serveUnix(path, [systemService('first')]);
    const second = await serveUnix(path, [systemService('second')]);
    servers.push(second);
    await first.close(100);
    expect(existsSync(path)).toBe(true);
    expect(await versionAt(path)).toBe('second');
  });

  it('removeOnClose: false leaves the socket file to its owner', async () => {
    const path = join(tempDir(), 'shim.sock');
    const server = await serveUnix(path, [systemService('shim')], { removeOnClose: false });
    await server.close(100);
    expect(statSync(path).isSocket()).toBe(true);
  });

  it('a path taken by a directory fails with the reason and leaves no socket behind', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in-the-way'));
    const err = await serveUnix(join(dir, 'in-the-way'), [systemService('x')]).catch((e: NodeJS.ErrnoException) => e);
    expect(err).toMatchObject({ code: 'EISDIR' });
    expect(readdirSync(dir)).toEqual(['in-the-way']);
  });
});
