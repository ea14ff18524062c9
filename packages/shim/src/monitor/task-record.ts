// What a shim host must know to take over a task another host process created
// under ce-monitor (decision 0029): everything not asked again of the runtime
// or of the monitor. Beside the monitor's socket, as <id>.task.json.
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MonitoredTaskRecord {
  id: string;
  namespace: string;
  labels: Record<string, string>;
  bundle: string;
  pid: number;
  terminal: boolean;
  stdin: boolean;
  /** Mounts the shim made for the rootfs, unmounted when the task is deleted. */
  mounted: string[];
  /** The monitor's socket. */
  socket: string;
  /** The log the monitor writes, named in its reports' warnings (absent without a log, and in older records). */
  logPath?: string;
  /** Exec processes started under monitors of their own, until each is deleted (absent in older records). */
  execs?: MonitoredExecRecord[];
}

/** An exec process under its own ce-monitor. */
export interface MonitoredExecRecord {
  execId: string;
  /** 0 while it is being started (a host that died then left it so: its monitor knows it). */
  pid: number;
  terminal: boolean;
  stdin: boolean;
  socket: string;
  /** Where its monitor writes exit-status.json. */
  exitDir: string;
}

const SUFFIX = '.task.json';

export function taskRecordPath(dir: string, id: string): string {
  return join(dir, `${id}${SUFFIX}`);
}

export function writeTaskRecord(dir: string, record: MonitoredTaskRecord): void {
  const file = taskRecordPath(dir, record.id);
  writeFileSync(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function removeTaskRecord(dir: string, id: string): void {
  rmSync(taskRecordPath(dir, id), { force: true });
}

/** The records in `dir`; one that cannot be read is skipped (and named in `unreadable`). */
export function readTaskRecords(dir: string): { records: MonitoredTaskRecord[]; unreadable: string[] } {
  const records: MonitoredTaskRecord[] = [];
  const unreadable: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { records, unreadable };
  }
  for (const name of names) {
    if (!name.endsWith(SUFFIX)) continue;
    try {
      const r = JSON.parse(readFileSync(join(dir, name), 'utf8')) as MonitoredTaskRecord;
      if (typeof r.id !== 'string' || typeof r.bundle !== 'string' || typeof r.socket !== 'string' || typeof r.pid !== 'number') throw new Error('missing fields');
      records.push(r);
    } catch {
      unreadable.push(name);
    }
  }
  return { records, unreadable };
}
