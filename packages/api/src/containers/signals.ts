import { constants } from 'node:os';
import { invalidArgument } from '@ce/protocol';

/** "KILL", "SIGKILL", "9" → 9; empty → SIGKILL, as `docker kill` does. */
export function parseSignal(signal: string): number {
  if (!signal) return constants.signals.SIGKILL;
  if (/^\d+$/.test(signal)) {
    const n = Number(signal);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = (signal.toUpperCase().startsWith('SIG') ? signal.toUpperCase() : `SIG${signal.toUpperCase()}`) as keyof typeof constants.signals;
    const n = constants.signals[name];
    if (n !== undefined) return n;
  }
  throw invalidArgument(`Invalid signal: ${signal}`);
}
