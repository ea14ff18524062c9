import { describe, expect, it } from 'vitest';
import type { Event } from '@ce/protocol/gen/ce/api/v1/events';
import { eventTemplate, formatEvent } from '../../src/event-format.js';
import { eventLine, fixedNanoTime, toDockerMessage } from '../../src/event-line.js';

const render = (format: string, event: Event) => formatEvent(eventTemplate(format), toDockerMessage(event));

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

  it("prints {{json .}} as docker's json function does: Go's field order, the deprecated fields when set, exact timeNano, HTML not escaped", () => {
    expect(render('{{json .}}', die)).toEqual({
      text: `{"status":"die","id":"${ID}","from":"busybox","Type":"container","Action":"die","Actor":{"ID":"${ID}","Attributes":{"com.example":"a<b","exitCode":"0","image":"busybox","name":"web"}},"scope":"local","time":1796587200,"timeNano":1796587200123456789}\n`,
      error: undefined,
    });
    const pull: Event = { type: 'image', action: 'pull', actor: { id: 'busybox:latest', attributes: { name: 'busybox:latest' } }, scope: 'local', time: 1, timeNano: '1000000000' };
    expect(render('{{json .}}', pull).text).toBe('{"status":"pull","id":"busybox:latest","Type":"image","Action":"pull","Actor":{"ID":"busybox:latest","Attributes":{"name":"busybox:latest"}},"scope":"local","time":1,"timeNano":1000000000}\n');
  });

  it('runs any Go template on the event, and refuses before any event one that fails on an empty event', () => {
    expect(render('{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.nope}} {{.timeNano}}', die).text).toBe('container die web <no value> 1796587200123456789\n');
    expect(render('{{range $k, $v := .Actor.Attributes}}{{$k}}={{$v}};{{end}}', die).text).toBe('com.example=a<b;exitCode=0;image=busybox;name=web;\n');
    expect(render('{{upper .Action}} {{json .Actor.Attributes.exitCode}}', die).text).toBe('DIE "0"\n');
    expect(() => eventTemplate('{{.Type')).toThrow();
    expect(() => eventTemplate('{{.NoSuchField}}')).toThrow(/NoSuchField/);
  });
});
