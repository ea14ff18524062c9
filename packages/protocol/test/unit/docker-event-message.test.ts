import { describe, expect, it } from 'vitest';
import { dockerEventJson, toDockerMessage } from '../../src/docker-event-message.js';

describe("an event in the Docker API's shape", () => {
  it('fills the old status, id and from for containers, sorts attributes, and writes timeNano exactly', () => {
    const message = toDockerMessage({ type: 'container', action: 'start', actor: { id: 'c1', attributes: { name: 'web', image: 'busybox' } }, scope: 'local', time: 1796610520, timeNano: '1796610520140339036' });
    expect(dockerEventJson(message)).toBe(
      '{"status":"start","id":"c1","from":"busybox","Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"image":"busybox","name":"web"}},"scope":"local","time":1796610520,"timeNano":1796610520140339036}\n',
    );
  });

  it('leaves the old fields out for other types', () => {
    const message = toDockerMessage({ type: 'network', action: 'create', actor: { id: 'n1', attributes: { type: 'bridge', name: 'n' } }, scope: 'local', time: 5, timeNano: '5000000001' });
    expect(dockerEventJson(message)).toBe('{"Type":"network","Action":"create","Actor":{"ID":"n1","Attributes":{"name":"n","type":"bridge"}},"scope":"local","time":5,"timeNano":5000000001}\n');
  });
});
