// `ce events --format`: docker's events command runs the Go template on each
// events.Message (cli/command/system/events.go formatEvent), after checking it
// once on an empty message, as docker does before any event arrives.
import type { DockerEventMessage } from './event-line.js';
import { parseDockerTemplate } from './format/docker-format.js';
import { GO_OMITEMPTY, GO_TYPE, nilMap, type GoStruct } from './format/go-values.js';
import type { GoTemplate } from './format/template.js';

/** Parses `format` and runs it on an empty message; throws the parse or execution error (docker: exit 64). */
export function eventTemplate(format: string): GoTemplate {
  const template = parseDockerTemplate(format);
  template.execute(emptyMessage());
  return template;
}

/** The template's output for one event and the newline docker writes after it, and the error that stopped it if any. */
export function formatEvent(template: GoTemplate, message: DockerEventMessage): { text: string; error?: Error } {
  const { out, error } = template.executePartial(eventValue(message));
  return { text: `${out}\n`, error };
}

/** events.Message as Go holds it: status, id and from are omitempty; Attributes is a map; timeNano an exact int64. */
export function eventValue(message: DockerEventMessage): GoStruct {
  return Object.assign(
    {
      status: message.status ?? '',
      id: message.id ?? '',
      from: message.from ?? '',
      Type: message.Type,
      Action: message.Action,
      Actor: Object.assign({ ID: message.Actor.ID, Attributes: new Map(Object.entries(message.Actor.Attributes)) }, { [GO_TYPE]: 'events.Actor' }),
      scope: message.scope,
      time: message.time,
      timeNano: message.timeNano,
    },
    { [GO_TYPE]: 'events.Message', [GO_OMITEMPTY]: new Set(['status', 'id', 'from']) },
  );
}

function emptyMessage(): GoStruct {
  return Object.assign(
    { status: '', id: '', from: '', Type: '', Action: '', Actor: Object.assign({ ID: '', Attributes: nilMap() }, { [GO_TYPE]: 'events.Actor' }), scope: '', time: 0, timeNano: 0n },
    // docker checks the template on &events.Message{}: a pointer, as its errors say.
    { [GO_TYPE]: '*events.Message', [GO_OMITEMPTY]: new Set(['status', 'id', 'from']) },
  );
}
