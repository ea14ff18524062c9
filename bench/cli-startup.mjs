#!/usr/bin/env node
// CLI start-up: runs each command N times, interleaved (round r runs every
// command once, in a shuffled order) so that load from other processes hits
// them alike, and prints the median and quartiles of wall time and of CPU time
// (user+system, from /usr/bin/time). See docs/decisions/0033.
//
//   node bench/cli-startup.mjs [--runs N] [--warmup N] 'node -e 0' 'node packages/cli/bin/ce.cjs --help' ...
//
// A command is split on spaces (no shell). Its exit status is ignored (`ce
// version` without a daemon exits 1 after printing the client part).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const args = process.argv.slice(2);
let runs = 20;
let warmup = 2;
const commands = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--warmup') warmup = Number(args[++i]);
  else commands.push(args[i]);
}
if (!commands.length || !(runs > 0)) {
  console.error('usage: cli-startup.mjs [--runs N] [--warmup N] <command>...');
  process.exit(2);
}
if (!existsSync('/usr/bin/time')) {
  console.error('cli-startup.mjs: needs /usr/bin/time (Debian package time)');
  process.exit(2);
}

function once(command) {
  const argv = command.split(' ').filter(Boolean);
  const start = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', ...argv], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const [user, sys] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall, cpu: (user + sys) * 1000 };
}

function shuffle(a) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const samples = new Map(commands.map((c) => [c, { wall: [], cpu: [] }]));
for (let r = 0; r < warmup + runs; r++) {
  for (const c of shuffle([...commands])) {
    const s = once(c);
    if (r >= warmup) {
      samples.get(c).wall.push(s.wall);
      samples.get(c).cpu.push(s.cpu);
    }
  }
}

const quantile = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  const i = (s.length - 1) * p;
  return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
};
const fmt = (a) => `${quantile(a, 0.5).toFixed(0)} (${quantile(a, 0.25).toFixed(0)}–${quantile(a, 0.75).toFixed(0)})`;
console.log(`${runs} interleaved runs each; median (quartiles), ms\n`);
console.log('| command | wall | CPU (user+sys) |');
console.log('|---|---|---|');
for (const [c, s] of samples) console.log(`| \`${c}\` | ${fmt(s.wall)} | ${fmt(s.cpu)} |`);
