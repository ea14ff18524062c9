// `ce --namespace NS ps`: what another namespace (the CRI's k8s.io, the
// builder's) runs, as its supervisor lists it. Those tasks are their owner's
// to manage; ce only shows them, as `ctr -n k8s.io tasks ls` does.
import { namespaceProblem, OWNER_LABEL, unary } from '@ce/protocol';
import type { ListTasksResponse } from '@ce/protocol/gen/ce/supervisor/v1/supervisor';
import type { StateResponse } from '@ce/protocol/gen/ce/shim/v1/shim';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import type { Connection } from './connection.js';
import { CliExit, daemonErrorMessage } from './errors.js';

export interface NamespacePsOptions {
  all?: boolean;
  quiet?: boolean;
  trunc: boolean;
}

/** A --namespace value, checked by containerd's rule (exit 125 naming the problem). */
export function checkNamespace(name: string): string {
  const problem = namespaceProblem(name);
  if (problem) throw new CliExit(125, problem);
  return name;
}

function statusWord(t: StateResponse): string {
  switch (t.status) {
    case TaskStatus.TASK_STATUS_CREATED:
      return 'created';
    case TaskStatus.TASK_STATUS_RUNNING:
      return 'running';
    case TaskStatus.TASK_STATUS_PAUSED:
      return 'paused';
    case TaskStatus.TASK_STATUS_STOPPED:
      return `stopped (${t.exitStatus})`;
    default:
      return 'unknown';
  }
}

/** Rows of `ce --namespace NS ps`: the namespace's tasks (not execs), running and paused ones unless -a. */
export function namespaceTaskRows(tasks: readonly StateResponse[], opts: NamespacePsOptions): string[] {
  const shown = tasks
    .filter((t) => t.execId === undefined)
    .filter((t) => opts.all || t.status === TaskStatus.TASK_STATUS_RUNNING || t.status === TaskStatus.TASK_STATUS_PAUSED)
    .sort((a, b) => a.id.localeCompare(b.id));
  const id = (t: StateResponse) => (opts.trunc ? t.id.slice(0, 12) : t.id);
  if (opts.quiet) return shown.map(id);
  const rows = [['CONTAINER ID', 'OWNER', 'PID', 'STATUS'], ...shown.map((t) => [id(t), t.labels[OWNER_LABEL] ?? '', t.pid ? String(t.pid) : '', statusWord(t)])];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]! + 3))).join(''));
}

export async function printNamespaceTasks(conn: Connection, namespace: string, opts: NamespacePsOptions): Promise<void> {
  let tasks: StateResponse[];
  try {
    tasks = (await unary<ListTasksResponse>((cb) => conn.supervisor.listTasks({ namespace }, cb), conn.target)).tasks;
  } catch (err) {
    throw new CliExit(1, daemonErrorMessage(err, conn.target));
  }
  const rows = namespaceTaskRows(tasks, opts);
  if (rows.length) process.stdout.write(`${rows.join('\n')}\n`);
}
