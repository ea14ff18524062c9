import { invalidArgument } from '@ce/protocol';

/** containerd's limit: a label's key and value together take at most 4096 bytes. */
export const MAX_LABEL_BYTES = 4096;

/** Refuses an empty key or a label over MAX_LABEL_BYTES, naming it and what it was for. */
export function checkLabels(labels: Record<string, string>, what: string): void {
  for (const [key, value] of Object.entries(labels)) {
    if (key === '') throw invalidArgument(`${what}: a label key must not be empty`);
    if (typeof value !== 'string') throw invalidArgument(`${what}: label ${key} must have a string value`);
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(value);
    if (bytes > MAX_LABEL_BYTES) throw invalidArgument(`${what}: label ${key} is ${bytes} bytes, more than ${MAX_LABEL_BYTES}`);
  }
}

/** `labels` with `changes` applied: an empty value removes the label (containerd's field-path update, for labels). */
export function mergeLabels(labels: Record<string, string>, changes: Record<string, string>): Record<string, string> {
  const out = { ...labels };
  for (const [key, value] of Object.entries(changes)) {
    if (value === '') delete out[key];
    else out[key] = value;
  }
  return out;
}
