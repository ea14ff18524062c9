import { describe, expect, it } from 'vitest';
import { resumeEtcFiles } from '../../src/networking/resume-etc-files.js';
import { FakeEtcFiles, FakeNetworking } from '../support/fake-networking.js';
import { testRecord } from '../support/record.js';

describe('resumeEtcFiles', () => {
  it('resumes the containers that are on a network with an embedded DNS server, and only those', async () => {
    const networking = new FakeNetworking();
    const onUserNetwork = testRecord({ id: '1'.repeat(64) });
    const onDefaultBridge = testRecord({ id: '2'.repeat(64) });
    const sandboxKey = await networking.createSandbox(onUserNetwork.Id);
    await networking.connect('front', { containerId: onUserNetwork.Id, containerName: 'a', netnsPath: sandboxKey });
    await networking.connect('bridge', { containerId: onDefaultBridge.Id, containerName: 'b', netnsPath: await networking.createSandbox(onDefaultBridge.Id) });
    const etcFiles = new FakeEtcFiles();
    await resumeEtcFiles([onUserNetwork, onDefaultBridge], networking, etcFiles);
    expect(etcFiles.resumed).toEqual([onUserNetwork.Id]);
  });
});
