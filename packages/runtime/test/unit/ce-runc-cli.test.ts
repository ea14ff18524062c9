import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseArgs, parseBytes, parseDuration, UsageError, type FlagSpec } from '../../src/cli/args.js';
import { execProcess } from '../../src/cli/commands/exec.js';
import { features } from '../../src/cli/commands/features.js';
import { table } from '../../src/cli/commands/list.js';
import { filterPsOutput } from '../../src/cli/commands/ps.js';
import { runcState } from '../../src/cli/commands/state.js';
import { updateResources } from '../../src/cli/commands/update.js';
import { runcExampleSpec } from '../../src/cli/example-spec.js';
import { COMMANDS, main } from '../../src/cli/main.js';
import { formatLogLine, toJson } from '../../src/cli/output.js';
import { validateSpec } from '../../src/spec/validate.js';

const flags: FlagSpec[] = [
  { name: 'bundle', aliases: ['b'], type: 'string', usage: '' },
  { name: 'detach', aliases: ['d'], type: 'bool', usage: '' },
  { name: 'env', aliases: ['e'], type: 'strings', usage: '' },
  { name: 'preserve-fds', type: 'int', usage: '' },
];

describe('argument parsing (Go flag rules)', () => {
  it('takes -x and --x alike, values as "--f v" or "--f=v", repeated string flags, and flags after the id', () => {
    const p = parseArgs(['-b', '/b', 'id1', '--detach', '--env=A=1', '-e', 'B=2', '-preserve-fds', '0'], flags, { stopAtFirstArg: false });
    expect(p.args).toEqual(['id1']);
    expect(p.flags).toEqual({ bundle: '/b', detach: true, env: ['A=1', 'B=2'], 'preserve-fds': 0 });
    expect([...p.given].sort()).toEqual(['bundle', 'detach', 'env', 'preserve-fds']);
  });

  it('stops at the first argument for exec-like commands, and at --', () => {
    expect(parseArgs(['-d', 'id', 'sh', '-c', 'x'], flags, { stopAtFirstArg: true }).args).toEqual(['id', 'sh', '-c', 'x']);
    expect(parseArgs(['id', '--', '-d'], flags, { stopAtFirstArg: false })).toMatchObject({ args: ['id', '-d'], flags: {} });
  });

  it('names the flag that is unknown, lacks a value or has a bad one', () => {
    expect(() => parseArgs(['--bogus'], flags, { stopAtFirstArg: false })).toThrow(new UsageError('flag provided but not defined: -bogus'));
    expect(() => parseArgs(['--bundle'], flags, { stopAtFirstArg: false })).toThrow(/flag needs an argument: -bundle/);
    expect(() => parseArgs(['--preserve-fds', 'x'], flags, { stopAtFirstArg: false })).toThrow(/-preserve-fds/);
    expect(() => parseArgs(['--detach=maybe'], flags, { stopAtFirstArg: false })).toThrow(/-detach/);
  });

  it('parses Go durations and memory sizes', () => {
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(() => parseDuration('5')).toThrow(/invalid duration "5"/);
    expect(parseBytes('64m', '--memory')).toBe(64 << 20);
    expect(parseBytes('1G', '--memory')).toBe(1 << 30);
    expect(parseBytes('4096', '--memory')).toBe(4096);
    expect(parseBytes('-1', '--memory-swap')).toBe(-1);
    expect(() => parseBytes('lots', '--memory')).toThrow(/--memory: "lots"/);
  });
});

describe('ce-runc update', () => {
  const cmd = COMMANDS.find((c) => c.name === 'update')!;
  const parse = (argv: string[]) => parseArgs(argv, cmd.flags, { stopAtFirstArg: false });

  it('turns the flags given, and only those, into linux.resources', () => {
    expect(updateResources(parse(['--memory', '64m', '--pids-limit', '20', '--cpu-shares', '512', '--cpuset-cpus', '0', 'c1']))).toEqual({
      memory: { limit: 64 << 20 },
      cpu: { shares: 512, cpus: '0' },
      pids: { limit: 20 },
    });
    expect(updateResources(parse(['c1']))).toEqual({});
  });

  it('reads -r - from stdin and -r <file> as is, naming the file when its JSON is bad', () => {
    expect(updateResources(parse(['-r', '-', 'c1']), () => '{"pids":{"limit":5}}')).toEqual({ pids: { limit: 5 } });
    const dir = mkdtempSync(join(tmpdir(), 'ce-runc-unit-'));
    try {
      writeFileSync(join(dir, 'r.json'), '{"memory":');
      expect(() => updateResources(parse(['--resources', join(dir, 'r.json'), 'c1']))).toThrow(new RegExp(`resources ${dir}/r.json: invalid JSON`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ce-runc exec process', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ce-runc-unit-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(runcExampleSpec()));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const cmd = COMMANDS.find((c) => c.name === 'exec')!;
  const build = (argv: string[]) => {
    const p = parseArgs(argv, cmd.flags, { stopAtFirstArg: true });
    return execProcess(p.flags, p.args.slice(1), dir);
  };

  it("starts from the container's process and applies args, cwd, env, user, gids, caps, no-new-privs", () => {
    const p = build(['--cwd', '/tmp', '-e', 'X=1', '-u', '1000:1001', '-g', '5', '--cap', 'CAP_CHOWN', '--no-new-privs=false', 'c1', 'sh', '-c', 'id']);
    expect(p.args).toEqual(['sh', '-c', 'id']);
    expect(p.cwd).toBe('/tmp');
    expect(p.env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm', 'X=1']);
    expect(p.user).toEqual({ uid: 1000, gid: 1001, additionalGids: [5] });
    expect(p.capabilities!.bounding).toContain('CAP_CHOWN');
    expect(p.capabilities!.effective).toContain('CAP_CHOWN');
    expect(p.noNewPrivileges).toBe(false);
    // the container's process was a terminal; an exec is not unless -t
    expect(p.terminal).toBe(false);
    expect(build(['-t', 'c1', 'sh']).terminal).toBe(true);
  });

  it('takes -p process.json as is and names bad input', () => {
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ args: ['true'], cwd: '/', user: { uid: 0, gid: 0 } }));
    expect(build(['-p', join(dir, 'p.json'), 'c1'])).toEqual({ args: ['true'], cwd: '/', user: { uid: 0, gid: 0 } });
    expect(() => build(['-u', 'bob', 'c1', 'sh'])).toThrow('parsing bob as int for uid failed');
    expect(() => build(['c1'])).toThrow(/no command given/);
    expect(() => build(['-p', join(dir, 'missing.json'), 'c1'])).toThrow(/process .*missing.json: ENOENT/);
  });
});

describe('output shapes', () => {
  it('prints state with runc field order, owner, and annotations only when present', () => {
    const s = runcState({ ociVersion: '1.0.2-dev', id: 'c', status: 'running', pid: 7, bundle: '/b', rootfs: '/b/rootfs', annotations: {}, created: 'T' });
    expect(Object.keys(s)).toEqual(['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner']);
    expect(runcState({ ociVersion: '1', id: 'c', status: 'stopped', pid: 0, bundle: '/b', annotations: { a: 'b' }, created: 'T' }, 'root')).toMatchObject({
      owner: 'root',
      annotations: { a: 'b' },
    });
  });

  it('lays out list as Go tabwriter (min width 12, padding 3)', () => {
    expect(table([['ID', 'PID', 'OWNER'], ['probe-15522', '18927', 'root']])).toBe('ID            PID         OWNER\nprobe-15522   18927       root\n');
  });

  it('filters ps output by the PID column', () => {
    const text = 'UID  PID  PPID CMD\nroot 1 0 init\nroot 42 1 sleep\nroot 43 1 sh\n';
    expect(filterPsOutput(text, [42])).toBe('UID  PID  PPID CMD\nroot 42 1 sleep\n');
    expect(() => filterPsOutput('USER COMMAND\n', [1])).toThrow("couldn't find PID field in ps output");
  });

  it('writes log lines as runc (logrus) does, json and text', () => {
    const t = new Date('2026-01-02T03:04:05.678Z');
    expect(formatLogLine('error', 'container does not exist', 'json', {}, t)).toBe('{"level":"error","msg":"container does not exist","time":"2026-01-02T03:04:05Z"}\n');
    expect(formatLogLine('error', 'a "b"', 'text', {}, t)).toBe('time="2026-01-02T03:04:05Z" level=error msg="a \\"b\\""\n');
  });

  it('prints uint64 values beyond 2^53 with their exact digits, as runc does', () => {
    expect(toJson({ limit: 9223372036854771712, usage: 4096, neg: -1 })).toBe('{"limit":9223372036854771712,"usage":4096,"neg":-1}');
    expect(JSON.stringify({ limit: 9223372036854771712 })).toBe('{"limit":9223372036854772000}');
  });

  it("spec writes runc's example, a config ce-runc itself accepts", () => {
    const s = runcExampleSpec();
    // (terminal: true is refused until terminals land; the rest must pass)
    expect(() => validateSpec({ ...s, process: { ...s.process!, terminal: false } })).not.toThrow();
    expect(s.process!.terminal).toBe(true);
    expect(s.linux!.namespaces!.map((n) => n.type)).toEqual(['pid', 'network', 'ipc', 'uts', 'mount']);
  });

  it('features lists only what is implemented', () => {
    const f = features() as { mountOptions: string[]; linux: Record<string, unknown>; hooks: string[] };
    expect(f.mountOptions).toContain('rbind');
    expect(f.mountOptions).toContain('rprivate');
    expect(f.mountOptions).not.toContain('acl');
    expect(f.mountOptions).not.toContain('tmpcopyup');
    expect(f.linux.namespaces).not.toContain('user');
    expect(f.linux.cgroup).toEqual({ v1: true, v2: true, systemd: false, systemdUser: false });
  });
});

describe('main', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ce-runc-unit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 1 with runc\'s json log line for an unknown container, 3 for an unknown command, 1 for wrong argument counts', async () => {
    const log = join(dir, 'log.json');
    expect(await main(['--root', join(dir, 'root'), '--log', log, '--log-format', 'json', 'state', 'nope'])).toBe(1);
    const line = JSON.parse(readFileSync(log, 'utf8').trim()) as Record<string, string>;
    expect(line).toMatchObject({ level: 'error', msg: 'container does not exist' });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await main(['--log', log, 'bogus'])).toBe(3);
    expect(await main(['--root', dir, '--log', log, '--log-format', 'json', 'kill'])).toBe(1);
    expect(readFileSync(log, 'utf8')).toContain('ce-runc: \\"kill\\" requires a minimum of 1 argument(s)');
  });

  it('refuses --systemd-cgroup and a negative --preserve-fds clearly', async () => {
    const log = join(dir, 'log.json');
    expect(await main(['--root', dir, '--log', log, '--log-format', 'json', '--systemd-cgroup', 'list'])).toBe(1);
    expect(readFileSync(log, 'utf8')).toContain('systemd cgroup driver is not supported');
    expect(await main(['--root', dir, '--log', log, '--log-format', 'json', 'create', '--preserve-fds', '-2', 'x'])).toBe(1);
    expect(readFileSync(log, 'utf8')).toContain('--preserve-fds -2: must be a number of file descriptors');
  });
});
