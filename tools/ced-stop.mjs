#!/usr/bin/env node
// npm run ced:stop: stops the ced started by quickstart (pid in <state>/ced.pid).
// Containers keep running in their shims; a restarted ced finds them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const state = process.env.CE_STATE ?? '/run/ce';
let pid;
try {
  pid = Number(readFileSync(join(state, 'ced.pid'), 'utf8').trim());
} catch {
  console.log(`ced-stop: no ${join(state, 'ced.pid')}: ced is not running`);
  process.exit(0);
}
let cmdline = '';
try {
  cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
} catch {
  // not running
}
if (!/ced(\.m?js)?\0/.test(cmdline)) {
  console.log(`ced-stop: ced is not running (stale pid file names ${pid})`);
  process.exit(0);
}
try {
  process.kill(pid, 'SIGTERM');
} catch {
  console.log(`ced-stop: ced (pid ${pid}) is not running`);
  process.exit(0);
}
for (let i = 0; i < 100; i++) {
  try {
    process.kill(pid, 0);
  } catch {
    console.log(`ced-stop: stopped ced (pid ${pid})`);
    process.exit(0);
  }
  await new Promise((r) => setTimeout(r, 100));
}
console.error(`ced-stop: ced (pid ${pid}) did not stop within 10s`);
process.exit(1);
