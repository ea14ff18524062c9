// GetContainerEvents' fan-out: every subscriber (a kubelet's evented PLEG, a
// `crictl events`) gets each event in order through its own bounded buffer. A
// subscriber that lets its buffer fill is dropped with a warning rather than
// holding the others back or growing without end; its stream ends with
// RESOURCE_EXHAUSTED, so a kubelet subscribes again and relists.
import { CeError, type Logger } from '@ce/protocol';
import type { ContainerEventResponse } from '../gen/runtime/v1/api.js';

/** containerd's CRI plugin buffers 1000 events (containerEventsQueueSize). */
export const EVENT_BUFFER_SIZE = 1000;

interface Subscriber {
  readonly buffer: ContainerEventResponse[];
  wake?: () => void;
  ended: boolean;
  error?: CeError;
}

export class ContainerEventHub {
  private readonly subscribers = new Set<Subscriber>();

  constructor(
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly bufferSize = EVENT_BUFFER_SIZE,
  ) {}

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** The events published from now on, until `signal` aborts or the hub closes. */
  subscribe(signal: AbortSignal): AsyncIterable<ContainerEventResponse> {
    const subscriber: Subscriber = { buffer: [], ended: false };
    this.subscribers.add(subscriber);
    const end = () => this.end(subscriber);
    if (signal.aborted) end();
    else signal.addEventListener('abort', end, { once: true });
    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<ContainerEventResponse>> => {
          while (!subscriber.buffer.length && !subscriber.ended) await new Promise<void>((resolve) => (subscriber.wake = resolve));
          const event = subscriber.buffer.shift();
          if (event) return { value: event, done: false };
          if (subscriber.error) throw subscriber.error;
          return { value: undefined, done: true };
        },
        return: async () => {
          signal.removeEventListener('abort', end);
          end();
          return { value: undefined, done: true };
        },
      }),
    };
  }

  publish(event: ContainerEventResponse): void {
    for (const subscriber of this.subscribers) {
      if (subscriber.buffer.length >= this.bufferSize) {
        this.logger.warn({ buffered: subscriber.buffer.length }, 'a GetContainerEvents client does not keep up; dropping it');
        // What it had not read yet is dropped with it: it relists when it subscribes again.
        subscriber.buffer.length = 0;
        this.end(subscriber, new CeError('ResourceExhausted', `the client fell ${this.bufferSize} container events behind and was dropped; subscribe again`));
        continue;
      }
      subscriber.buffer.push(event);
      subscriber.wake?.();
    }
  }

  /** Ends every subscription (the CRI is closing). */
  close(): void {
    for (const subscriber of this.subscribers) this.end(subscriber);
  }

  private end(subscriber: Subscriber, error?: CeError): void {
    this.subscribers.delete(subscriber);
    if (subscriber.ended) return;
    subscriber.ended = true;
    subscriber.error = error;
    subscriber.wake?.();
  }
}
