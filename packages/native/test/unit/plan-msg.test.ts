// msg_write (ce-init's messages to the runtime) built with AddressSanitizer:
// long texts and many arguments are cut to fit one 4096-byte write, never
// written past the buffer.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('../..', import.meta.url));
const haveCc = spawnSync('cc', ['--version']).status === 0;

describe.skipIf(!haveCc)('msg_write under AddressSanitizer (needs a C compiler)', () => {
  let dir: string;
  let harness: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ce-msg-write-'));
    harness = join(dir, 'harness');
    execFileSync('cc', ['-std=gnu11', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-o', harness,
      join(pkg, 'test/support/msg-write-harness.c'), join(pkg, 'native/init/plan.c')]);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (argc: number, len: number) => {
    // ce-init execs or exits soon after: leaks do not matter, overflows do
    const r = spawnSync(harness, [String(argc), String(len)], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout.trim();
  };

  it('writes a short message whole', () => {
    expect(run(2, 10)).toBe('bytes=36 argc=2 lens=10,10');
  });

  it('cuts long texts so that every argument still has its length field', () => {
    // 8 header + 3 × 4 length bytes + 4076 bytes of text = 4096
    expect(run(3, 3000)).toBe('bytes=4096 argc=3 lens=3000,1076,0');
  });

  it('cuts one text that alone is longer than the buffer', () => {
    expect(run(1, 10_000)).toBe('bytes=4096 argc=1 lens=4084');
  });

  it('keeps room for the length of every later argument', () => {
    // 8 + 64 × 4 bytes of header and lengths leave 3832 for text: 38 whole texts, 32 bytes of the next, then nothing
    const lens = [...Array(38).fill(100), 32, ...Array(25).fill(0)].join(',');
    expect(run(64, 100)).toBe(`bytes=4096 argc=64 lens=${lens}`);
  });

  it('refuses more arguments than have room for their lengths', () => {
    expect(run(1023, 0)).toBe('write: Message too long');
  });
});
