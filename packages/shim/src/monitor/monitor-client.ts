import { connect } from 'node:net';
import type { MonitorLogWriteReport } from '@ce/runtime';
import { parseLogWriteReport } from '@ce/runtime/monitor-lines';

/** The container init's exit as its monitor tells it ("exit <status> <signal> <ms> <oom>"). */
export interface MonitorExitLine {
  exitStatus: number;
  signal: number | null;
  exitedAt: Date;
  oomKilled: boolean;
}

/**
 * One request on a ce-monitor's socket; resolves with its whole answer once
 * the monitor closes the connection, rejects when the monitor cannot be reached.
 */
export function monitorRequest(socket: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let connected = false;
    const s = connect(socket, () => {
      connected = true;
      s.write(`${line}\n`);
    });
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (err) => {
      if (!connected) reject(err);
    });
    s.on('close', () => {
      if (connected) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Waits for the init's exit; undefined when the monitor is gone (or dies before answering). */
export async function monitorExit(socket: string): Promise<MonitorExitLine | undefined> {
  const answer = await monitorRequest(socket, 'wait').catch(() => '');
  const m = /^exit (\d+) (\d+) (\d+) ([01])\n$/.exec(answer);
  if (!m) return undefined;
  return { exitStatus: Number(m[1]), signal: Number(m[2]) || null, exitedAt: new Date(Number(m[3])), oomKilled: m[4] === '1' };
}

/** Resolves once the monitor is gone: its container exited and its output drained. */
export function monitorDone(socket: string): Promise<void> {
  return monitorRequest(socket, 'done').then(
    () => undefined,
    () => undefined,
  );
}

/**
 * Follows the monitor's log reports (its socket's `reports`, the same lines as its status pipe) until
 * it exits: how a host that adopted the task learns of a full disk. A monitor already gone is ignored.
 */
export function followMonitorReports(socket: string, onReport: (report: MonitorLogWriteReport) => void): void {
  let text = '';
  const s = connect(socket, () => s.write('reports\n'));
  s.setEncoding('utf8');
  s.on('data', (chunk: string) => {
    text += chunk;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      const report = parseLogWriteReport(text.slice(0, nl));
      text = text.slice(nl + 1);
      if (report) onReport(report);
    }
  });
  s.on('error', () => undefined);
}
