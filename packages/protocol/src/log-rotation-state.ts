// The seqlock a shim's log rotation and ced's log readers share (x.rotations beside log x):
// `seq` is odd while the shim moves file names, `generation` counts rotations. A reader
// that saw the same even `seq` before and after opening files has a consistent set, in
// which x is the file of that generation and x.k the file of generation - k.

export interface RotationState {
  seq: bigint;
  generation: bigint;
}

export function rotationStatePath(logPath: string): string {
  return `${logPath}.rotations`;
}

/** Fixed width, so that rewriting it in place never leaves a longer old value behind. */
export function formatRotationState(s: RotationState): string {
  return `${s.seq.toString().padStart(20, '0')} ${s.generation.toString().padStart(20, '0')}\n`;
}

export function parseRotationState(text: string): RotationState | undefined {
  const m = /^(\d{20}) (\d{20})\n$/.exec(text);
  return m ? { seq: BigInt(m[1]!), generation: BigInt(m[2]!) } : undefined;
}

/** The name of the file `back` rotations old: the log itself for 0, else x.<back> (x.<back>.gz once compressed). */
export function rotatedNames(logPath: string, back: number): string[] {
  return back === 0 ? [logPath] : [`${logPath}.${back}`, `${logPath}.${back}.gz`];
}
