// A health probe run as Docker runs it: an exec in the container (its
// user, its environment, no tty), stdout and stderr gathered together.
import { constants } from 'node:os';
import type { ExecService } from './exec.js';
import type { HealthProbe } from './health-monitor.js';
import { MAX_OUTPUT_BYTES } from './health-state.js';
import type { ContainerRecord } from './record.js';

export class ExecHealthProbe implements HealthProbe {
  constructor(private readonly execs: ExecService) {}

  async run(record: ContainerRecord, cmd: string[], signal: AbortSignal): Promise<{ exitCode: number; output: Buffer }> {
    const execId = this.execs.create(record.Id, {
      cmd,
      env: [],
      user: record.Config.User,
      workingDir: '',
      tty: false,
      attachStdin: false,
      attachStdout: true,
      attachStderr: true,
      detachKeys: '',
    });
    const session = this.execs.attach({ id: record.Id, execId, stdin: false, stdout: true, stderr: true });
    const output = collect(session.output);
    output.catch(() => undefined);
    const kill = () => void this.execs.kill(execId, constants.signals.SIGKILL).catch(() => undefined);
    signal.addEventListener('abort', kill, { once: true });
    try {
      await this.execs.start(execId);
      if (signal.aborted) kill();
      const exec = await this.execs.inspect(execId, true);
      return { exitCode: exec.exitCode, output: await output };
    } finally {
      signal.removeEventListener('abort', kill);
      session.close();
      this.execs.forget(execId);
    }
  }
}

/** Output up to one byte past Docker's bound (so truncation shows), the rest read and dropped. */
async function collect(chunks: AsyncIterable<{ data: Buffer }>): Promise<Buffer> {
  const kept: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    if (size > MAX_OUTPUT_BYTES) continue;
    kept.push(chunk.data);
    size += chunk.data.length;
  }
  return Buffer.concat(kept);
}
