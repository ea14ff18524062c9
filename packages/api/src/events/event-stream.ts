import { CeError, invalidArgument } from '@ce/protocol';
import { parseApiTimestamp } from '../containers/log-time.js';
import { nowNanos, type EngineEvent } from './engine-event.js';
import { groupFilters, includes } from './event-filter.js';
import type { EventLog } from './event-log.js';

export interface EventQuery {
  /** Docker's API form, "<seconds>[.<fraction>]"; empty: unset. */
  since: string;
  until: string;
  filters: readonly { key: string; value: string }[];
}

/** Events a slow reader may leave unread before its stream is ended. */
const MAX_UNREAD = 4096;

/**
 * Docker's GET /events: the kept events between since and until, then,
 * unless until is past, live events until until or until `signal` aborts.
 * Subscribing comes before reading the ring, in one turn of the loop, so no
 * event is missed or repeated between the two.
 */
export async function* eventStream(log: EventLog, query: EventQuery, signal: AbortSignal): AsyncGenerator<EngineEvent> {
  yield* acceptedEventStream(log, checkEventQuery(query), signal);
}

/** The query's bounds and filters, checked as dockerd checks them before it streams anything. */
export function checkEventQuery(query: EventQuery): CheckedEventQuery {
  const since = parseApiTimestamp(query.since, 'since');
  const until = parseApiTimestamp(query.until, 'until');
  if (until !== undefined && until < (since ?? 0n)) {
    throw invalidArgument(`\`since\` time (${query.since}) cannot be after \`until\` time (${query.until})`);
  }
  return { since, until, filters: groupFilters(query.filters) };
}

export interface CheckedEventQuery {
  since: bigint | undefined;
  until: bigint | undefined;
  filters: ReturnType<typeof groupFilters>;
}

/** eventStream for a query checkEventQuery took. */
export async function* acceptedEventStream(log: EventLog, query: CheckedEventQuery, signal: AbortSignal): AsyncGenerator<EngineEvent> {
  const { since, until, filters } = query;
  const onlyPast = until !== undefined && until < nowNanos();
  const unread: EngineEvent[] = [];
  let wake: (() => void) | undefined;
  let overflowed = false;
  const unsubscribe = onlyPast
    ? () => undefined
    : log.subscribe((event) => {
        if (!includes(filters, event)) return;
        if (unread.length >= MAX_UNREAD) overflowed = true;
        else unread.push(event);
        wake?.();
      });
  let timedOut = false;
  const timer = until !== undefined && !onlyPast ? setTimeout(() => ((timedOut = true), wake?.()), Number((until - nowNanos()) / 1_000_000n) + 1) : undefined;
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    for (const event of log.between(since, until)) if (includes(filters, event)) yield event;
    if (onlyPast) return;
    for (;;) {
      while (unread.length) yield unread.shift()!;
      if (overflowed) throw new CeError('ResourceExhausted', `the events reader fell more than ${MAX_UNREAD} events behind`);
      if (signal.aborted || timedOut) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    unsubscribe();
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
