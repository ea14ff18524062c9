/**
 * Runs an operation that reports progress through a callback and turns it into
 * an async iterable: each progress event, then the result (both mapped to
 * stream messages). The operation's failure is thrown by the iterator.
 */
export async function* progressStream<E, R, M>(
  run: (onProgress: (event: E) => void) => Promise<R>,
  progressMessage: (event: E) => M,
  resultMessage: (result: R) => M,
): AsyncGenerator<M> {
  const queue: M[] = [];
  let wake: (() => void) | undefined;
  let outcome: { ok: true; value: R } | { ok: false; err: unknown } | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  run((event) => {
    queue.push(progressMessage(event));
    notify();
  }).then(
    (value) => {
      outcome = { ok: true, value };
      notify();
    },
    (err: unknown) => {
      outcome = { ok: false, err };
      notify();
    },
  );
  for (;;) {
    while (queue.length) yield queue.shift()!;
    if (outcome) {
      if (!outcome.ok) throw outcome.err;
      yield resultMessage(outcome.value);
      return;
    }
    await new Promise<void>((resolve) => (wake = resolve));
  }
}
