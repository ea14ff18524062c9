// withLocalServices: the CRI hosted by ced calls ced's own implementations in process; what they lack stays on the socket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeError, unary, type PromiseService } from '@ce/protocol';
import { Image, type ImagesService } from '@ce/protocol/gen/ce/images/v1/images';
import { StateResponse } from '@ce/protocol/gen/ce/shim/v1/shim';
import type { SupervisorService } from '@ce/protocol/gen/ce/supervisor/v1/supervisor';
import { dialCeServices, withLocalServices, type CeServices } from '../../src/index.js';

describe('withLocalServices', () => {
  let dir: string;
  let services: CeServices;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ce-test-cri-local-'));
    // Nothing listens here: a call that goes to the socket fails Unavailable.
    services = dialCeServices(join(dir, 'ce.sock'));
  });
  afterEach(() => {
    services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the local services in process, through their encoding, and keeps errors as the wire gives them', async () => {
    const asked: string[] = [];
    const images = {
      get: async (req: { reference: string }) => {
        asked.push(req.reference);
        if (req.reference === 'gone') throw new CeError('NotFound', 'no such image: gone');
        return Image.fromPartial({ name: req.reference, id: 'sha256:abc' });
      },
    } as unknown as PromiseService<typeof ImagesService>;
    const supervisor = { taskState: async () => StateResponse.fromPartial({ id: 't1', pid: 42 }) } as unknown as PromiseService<typeof SupervisorService>;
    const local = withLocalServices(services, { images, supervisor });
    const image = await unary<Image>((cb) => local.images.get({ reference: 'busybox' }, cb));
    expect(image).toMatchObject({ name: 'busybox', id: 'sha256:abc' });
    await expect(unary((cb) => local.images.get({ reference: 'gone' }, cb))).rejects.toMatchObject({ code: 'NotFound', message: expect.stringContaining('no such image: gone') });
    expect(asked).toEqual(['busybox', 'gone']);
    expect(await unary<StateResponse>((cb) => local.supervisor.taskState({ id: 't1' }, cb))).toMatchObject({ id: 't1', pid: 42 });
    // Not given locally: the dialled clients, on ced's socket.
    expect(local.snapshots).toBe(services.snapshots);
    expect(local.system).toBe(services.system);
  });

  it('is the dialled services when there is nothing local', () => {
    expect(withLocalServices(services, undefined)).toBe(services);
  });
});
