import { describe, expect, it } from 'vitest';
import type { Event } from '@ce/protocol/gen/ce/api/v1/events';
import { checkEventTemplate, formatEvent } from '../../src/event-format.js';
import { eventJson, eventLine, fixedNanoTime, toDockerMessage } from '../../src/event-line.js';

const ID = 'f'.repeat(64);
const die: Event = {
  type: 'container',
  action: 'die',
  actor: { id: ID, attributes: { name: 'web', image: 'busybox', exitCode: '0', 'com.example': 'a<b' } },
  scope: 'local',
  time: 1796587200,
  timeNano: '1796587200123456789',
};

describe("ce events' output", () => {
  it("prints Docker's line: fixed nine-digit time, type, action, id, attributes sorted by key", () => {
    expect(eventLine(toDockerMessage(die), 0)).toBe(`2026-12-06T20:00:00.123456789Z container die ${ID} (com.example=a<b, exitCode=0, image=busybox, name=web)\n`);
    expect(eventLine(toDockerMessage({ ...die, actor: { id: ID, attributes: {} } }), 0)).toBe(`2026-12-06T20:00:00.123456789Z container die ${ID}\n`);
  });

  it('writes the time in the local zone, as Go does', () => {
    expect(fixedNanoTime(1796587200000000001n, 60)).toBe('2026-12-06T21:00:00.000000001+01:00');
    expect(fixedNanoTime(1796587200000000000n, -330)).toBe('2026-12-06T14:30:00.000000000-05:30');
  });

  it("prints {{json .}} as Go's json.Marshal of events.Message: the deprecated fields first, exact timeNano, HTML escaped", () => {
    expect(eventJson(toDockerMessage(die))).toBe(
      `{"status":"die","id":"${ID}","from":"busybox","Type":"container","Action":"die","Actor":{"ID":"${ID}","Attributes":{"com.example":"a\\u003cb","exitCode":"0","image":"busybox","name":"web"}},"scope":"local","time":1796587200,"timeNano":1796587200123456789}`,
    );
    const pull: Event = { type: 'image', action: 'pull', actor: { id: 'busybox:latest', attributes: { name: 'busybox:latest' } }, scope: 'local', time: 1, timeNano: '1000000000' };
    expect(eventJson(toDockerMessage(pull))).toBe('{"status":"pull","id":"busybox:latest","Type":"image","Action":"pull","Actor":{"ID":"busybox:latest","Attributes":{"name":"busybox:latest"}},"scope":"local","time":1,"timeNano":1000000000}');
  });

  it('executes the template actions it knows and refuses the others before any event', () => {
    const message = toDockerMessage(die);
    expect(formatEvent('{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.nope}} {{.timeNano}}', message)).toBe(
      'container die web <no value> 1796587200123456789\n',
    );
    expect(formatEvent('{{json .Actor.Attributes.exitCode}}', message)).toBe('"0"\n');
    expect(formatEvent('{{json .}}', message)).toBe(`${eventJson(message)}\n`);
    expect(() => checkEventTemplate('{{.Type}} {{range .Actor.Attributes}}x{{end}}')).toThrow('unsupported action');
    expect(() => checkEventTemplate('{{.Type}} {{json .}}')).not.toThrow();
  });
});
