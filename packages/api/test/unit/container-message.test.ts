import { describe, expect, it } from 'vitest';
import { Container } from '@ce/protocol/gen/ce/api/v1/containers';
import { toContainerMessage } from '../../src/containers/grpc.js';
import { testRecord } from '../support/record.js';

describe('a container as ce.api.v1 sends it', () => {
  const record = testRecord();
  record.NetworkSettings.Ports = { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] };
  record.Mounts = [{ Type: 'volume', Name: 'v', Source: '/var/lib/ce/volumes/v/_data', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }];

  it('carries the whole ContainerJSON, and no summary, unless a list asked for summaries', () => {
    const message = toContainerMessage(record);
    expect(JSON.parse(message.json)).toMatchObject({ Id: record.Id, Config: { Image: record.Config.Image } });
    expect(message.summaryJson).toBeUndefined();
  });

  it("carries in a list of summaries the parts of the ContainerJSON a list shows, with the same values, and not the rest", () => {
    const whole = JSON.parse(toContainerMessage(record).json);
    const message = toContainerMessage(record, 'summary');
    expect(message.json).toBe('');
    expect(JSON.parse(message.summaryJson!)).toEqual({
      HostConfig: { NetworkMode: whole.HostConfig.NetworkMode },
      NetworkSettings: { Networks: whole.NetworkSettings.Networks, Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] } },
      Mounts: whole.Mounts,
    });
    expect({ ...message, json: '', summaryJson: undefined }).toEqual({ ...toContainerMessage(record), json: '' });
  });

  it('carries no ContainerJSON when an inspect asked to omit it, and the same other fields, stdin settings included', () => {
    const stdinRecord = testRecord();
    stdinRecord.Config.OpenStdin = true;
    stdinRecord.Config.StdinOnce = true;
    const whole = toContainerMessage(stdinRecord);
    const message = toContainerMessage(stdinRecord, 'none');
    expect(message.json).toBe('');
    expect(message.summaryJson).toBeUndefined();
    expect(message).toEqual({ ...whole, json: '' });
    expect(message).toMatchObject({ openStdin: true, stdinOnce: true });
    expect(toContainerMessage(record, 'none')).toMatchObject({ openStdin: false, stdinOnce: false, tty: record.Config.Tty });
  });

  it('is the same copied in process (the Docker API\'s read paths) as after a trip over the wire', () => {
    for (const part of ['whole', 'summary', 'none'] as const) {
      const message = toContainerMessage(record, part);
      expect(Container.fromPartial(message)).toEqual(Container.decode(Container.encode(message).finish()));
    }
  });
});
