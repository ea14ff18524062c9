import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { adaptService } from '@ce/protocol';
import { EventsService, type Event } from '@ce/protocol/gen/ce/api/v1/events';
import { eventSeconds, type EngineEvent } from './engine-event.js';
import type { EventLog } from './event-log.js';
import { acceptedEventStream, checkEventQuery } from './event-stream.js';

export function toEventMessage(event: EngineEvent): Event {
  return {
    type: event.type,
    action: event.action,
    actor: { id: event.actor.id, attributes: event.actor.attributes },
    scope: event.scope,
    time: eventSeconds(event),
    timeNano: String(event.timeNano),
  };
}

/** ce.api.v1.Events over ced's event log. */
export function eventsGrpcService(log: EventLog): [ServiceDefinition, UntypedServiceImplementation] {
  return [
    EventsService as unknown as ServiceDefinition,
    adaptService(EventsService, {
      subscribe: async function* (req, ctx) {
        const query = checkEventQuery(req);
        // The Docker API replies with its headers now, not at the first event, which may be long in coming.
        ctx.accepted();
        for await (const event of acceptedEventStream(log, query, ctx.signal)) yield toEventMessage(event);
      },
    }),
  ];
}
