import type { Writable } from 'node:stream';
import type { OutputChunk } from '@ce/protocol';
import { drained } from '@ce/protocol/drain';

/**
 * Copies attached output to this process's stdout/stderr, honouring
 * back-pressure; a reader that went away (`ce run … | head`) ends the copy
 * with an error instead of a wait for 'drain' that never comes.
 */
export async function pumpOutput(output: AsyncIterable<OutputChunk>, stdout: Writable, stderr: Writable): Promise<void> {
  for await (const chunk of output) {
    const target = chunk.stream === 'stderr' ? stderr : stdout;
    if (!target.write(chunk.data)) await drained(target);
  }
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseLabels(list: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of list) {
    const eq = entry.indexOf('=');
    labels[eq < 0 ? entry : entry.slice(0, eq)] = eq < 0 ? '' : entry.slice(eq + 1);
  }
  return labels;
}
