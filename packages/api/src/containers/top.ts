// docker top (moby daemon/top_unix.go): the host's ps with the user's
// arguments, kept to the container's processes.
import { execFile } from 'node:child_process';
import { invalidArgument, internal } from '@ce/protocol';

export interface TopResult {
  titles: string[];
  processes: string[][];
}

/** Docker refuses `-o x=PID…` forms that rename a PID column to something else. */
export function validatePsArgs(psArgs: string): void {
  for (const m of psArgs.matchAll(/\s+([^\s]*)=\s*(PID[^\s]*)/g)) {
    if (m[1] !== 'pid') throw invalidArgument(`specifying "${m[1]}=${m[2]}" is not allowed`);
  }
}

/**
 * Docker's parsePSOutput: the header's words are the titles; each line is
 * split on blanks into as many fields, the last one keeping the rest (the
 * command with its arguments); only lines whose PID is the container's stay.
 */
export function parsePsOutput(output: string, pids: readonly number[]): TopResult {
  const lines = output.split('\n');
  const titles = (lines[0] ?? '').trim().split(/\s+/).filter(Boolean);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw internal("Couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    const fields = line.trim().split(/\s+/);
    const pid = Number(fields[pidIndex]);
    if (!Number.isInteger(pid)) throw internal(`Unexpected pid '${fields[pidIndex]}': not a number`);
    if (!wanted.has(pid)) continue;
    processes.push(fields.length > titles.length ? [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')] : fields);
  }
  return { titles, processes };
}

function runPs(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ps', args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      // as Docker does: the first line of ps's stderr says why
      const first = String(stderr).split('\n')[0];
      reject(internal(`ps: ${first || err.message}`));
    });
  });
}

/** Runs ps as Docker does: with `-q <pids>` first, and without it when ps refuses that mix (`f`). */
export async function top(psArgs: string, pids: readonly number[]): Promise<TopResult> {
  const args = (psArgs || '-ef').split(' ');
  validatePsArgs(psArgs || '-ef');
  let output: string;
  try {
    output = await runPs([...args, `-q${pids.join(',')}`]);
  } catch {
    output = await runPs(args);
  }
  return parsePsOutput(output, pids);
}
