import { constants } from 'node:os';
import { invalidArgument } from '@ce/protocol';

export const SIGKILL = 9;
const SIGTERM = 15;

/** The image config's StopSignal as a number ("SIGQUIT", "QUIT", "3"); SIGTERM when unset, as containerd. */
export function stopSignalNumber(signal: string): number {
  if (!signal) return SIGTERM;
  if (/^\d+$/.test(signal)) return Number(signal);
  const upper = signal.toUpperCase();
  const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as keyof typeof constants.signals;
  const number = constants.signals[name];
  if (number === undefined) throw invalidArgument(`failed to parse stop signal ${JSON.stringify(signal)}: unsupported signal`);
  return number;
}
