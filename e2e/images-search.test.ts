// ce images with Docker's filters, CREATED and SIZE, and ce search over
// Debian's docker-registry on loopback, with the real binaries.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_BIN, startRegistry, type RegistryServer } from '../packages/image-store/test/support/registry.js';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';

let daemon: TestDaemon;
const run = (args: string[]) => ce(args, { socket: daemon.socket });

beforeAll(async () => {
  daemon = await startTestDaemon();
  await importBusyboxImage(daemon.socket);
  await importBusyboxImage(daemon.socket, 'docker.io/library/web:1', { Labels: { tier: 'web' } }, [{ name: 'web', data: 'web' }]);
});

afterAll(async () => {
  await daemon?.dispose();
});

describe('ce images', () => {
  it('filters by reference, label, before/since and dangling, as docker images does', async () => {
    const names = async (...args: string[]) => (await run(['images', '--format', '{{.Repository}}:{{.Tag}}', ...args])).stdout.split('\n').filter(Boolean).sort();
    expect(await names('--filter', 'reference=web')).toEqual(['web:1']);
    expect(await names('busybox')).toEqual(['busybox:latest']);
    expect(await names('--filter', 'label=tier=web')).toEqual(['web:1']);
    expect(await names('--filter', 'dangling=true')).toEqual([]);
    expect(await names('-a', '--filter', 'reference=b*')).toEqual(['busybox:latest']);
    // Both test images were built at the same moment: neither is before the other.
    expect(await names('--filter', 'before=busybox')).toEqual([]);
    const bad = await run(['images', '--filter', 'bogus=1']);
    expect(bad).toMatchObject({ code: 1, stderr: "ce: Invalid filter 'bogus'\n" });
  });

  it('shows when the image was built, and the size system df counts', async () => {
    const row = (await run(['images', '--format', '{{.CreatedAt}}|{{.Size}}', 'busybox'])).stdout.trim();
    // The test image's config says 2024-01-01, whenever it was imported.
    expect(row).toMatch(/^2024-01-01 00:00:00 \+0000 UTC\|(\S+)$/);
    const size = row.split('|')[1];
    const df = (await run(['system', 'df', '-v'])).stdout;
    expect(df).toMatch(new RegExp(`\\nbusybox +latest +[0-9a-f]{12} +\\d+ years? ago +${size!.replace('.', '\\.')} `));
  });
});

describe.skipIf(!existsSync(REGISTRY_BIN))('ce search', () => {
  let reg: RegistryServer;
  beforeAll(async () => {
    reg = await startRegistry();
    for (const name of ['team/web-app', 'team/db', 'tools/webhook']) {
      expect((await run(['tag', 'busybox', `${reg.host}/${name}:1`])).code).toBe(0);
      const push = await run(['push', `${reg.host}/${name}:1`]);
      expect(push.code, push.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it("lists the catalog's repositories that hold the term, in docker search's table", async () => {
    const r = await run(['search', `${reg.host}/web`]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME +DESCRIPTION +STARS +OFFICIAL +AUTOMATED$/);
    // Go's tabwriter pads the empty OFFICIAL cell too, as docker search prints it.
    expect(lines.slice(1)).toEqual([`${reg.host}/team/web-app`, `${reg.host}/tools/webhook`].map((n) => `${n.padEnd(lines[0]!.indexOf('DESCRIPTION'))}${''.padEnd(14)}0${' '.repeat(9)}${' '.repeat(11)}`).concat(['']));
    expect((await run(['search', '--format', '{{.Name}}', '--limit', '1', `${reg.host}/team`])).stdout).toBe(`${reg.host}/team/db\n`);
    expect((await run(['search', '--format', '{{.Name}}', '--filter', 'is-official=true', `${reg.host}/team`])).stdout).toBe('');
    expect((await run(['search', 'busybox'])).stderr).toMatch(/^ce: Error response from daemon: ce search reads a registry's catalog/);
  });
});
