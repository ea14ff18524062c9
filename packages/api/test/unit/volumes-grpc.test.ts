import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { serveUnix, type UnixServer } from '@ce/protocol';
import { volumesGrpcService, VolumesGrpcClient } from '../../src/volumes/grpc.js';
import { LocalDriver } from '../../src/volumes/local-driver.js';
import { VolumeService } from '../../src/volumes/volume-service.js';
import { fakeMounter } from '../support/fake-mounter.js';

let dir: string;
let server: UnixServer;
let local: VolumeService;
let client: VolumesGrpcClient;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ce-volumes-grpc-'));
  local = new VolumeService(await LocalDriver.open(join(dir, 'volumes'), fakeMounter()));
  server = await serveUnix(join(dir, 'ce.sock'), [volumesGrpcService(local)]);
  client = new VolumesGrpcClient(join(dir, 'ce.sock'));
});
afterEach(async () => {
  client.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

it('serves the local service over ce.api.v1.Volumes, the client answering as the local one does', async () => {
  const created = await client.create({ name: 'data', labels: { a: 'b' }, options: { type: 'tmpfs', device: 'tmpfs' } });
  expect(created).toEqual(await local.inspect('data'));
  await local.createFor('c1', { Name: 'used', Labels: null, Options: null });
  // Docker's null Labels and Options survive the trip.
  expect(await client.inspect('used')).toMatchObject({ Name: 'used', Labels: null, Options: null });
  expect((await client.list({ dangling: ['true'] })).map((v) => v.Name)).toEqual(['data']);
  await expect(client.remove('used', true)).rejects.toMatchObject({ code: 'Conflict', message: 'remove used: volume is in use - [c1]' });
  await expect(client.inspect('nope')).rejects.toMatchObject({ code: 'NotFound', message: 'No such volume: nope' });
  await expect(client.list({ bogus: ['1'] })).rejects.toMatchObject({ code: 'InvalidArgument' });
  expect(await client.prune({})).toEqual({ deleted: [], spaceReclaimed: 0 });
  await client.remove('data', false);
  await client.remove('data', true);
});
