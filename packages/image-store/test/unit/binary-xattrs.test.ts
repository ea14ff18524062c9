// Binary extended attribute values (file capabilities) survive unpacking byte
// for byte, although tar-stream decodes PAX values as UTF-8.
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { FsOps } from '../../src/unpack/fs-ops.js';
import { parsePaxRecords } from '../../src/unpack/pax-xattrs.js';
import { unpackLayer } from '../../src/unpack/unpack-layer.js';
import { tempDir } from '../helpers/image.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir('ce-binary-xattrs-');
});
afterEach(() => dir.cleanup());

/** A ustar header block, with its checksum. */
function header(name: string, size: number, type: string, mode = 0o644): Buffer {
  const b = Buffer.alloc(512);
  b.write(name, 0, 100, 'utf8');
  b.write(`${mode.toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  b.write('0000000\0', 108, 'latin1');
  b.write('0000000\0', 116, 'latin1');
  b.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  b.write('00000000000\0', 136, 'latin1');
  b.write('        ', 148, 'latin1');
  b.write(type, 156, 'latin1');
  b.write('ustar\0', 257, 'latin1');
  b.write('00', 263, 'latin1');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

const pad = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

// security.capability of `setcap cap_net_bind_service=+ep`: VFS_CAP_REVISION_2, not valid UTF-8.
const CAPABILITY = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
const NOT_UTF8 = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]);

function layerWithXattrs(): Buffer {
  const pax = Buffer.concat([paxRecord('SCHILY.xattr.security.capability', CAPABILITY), paxRecord('SCHILY.xattr.user.blob', NOT_UTF8)]);
  const data = Buffer.from('#!/bin/sh\n');
  return Buffer.concat([
    header('PaxHeaders/ping', pax.length, 'x'),
    pad(pax),
    header('ping', data.length, '0', 0o755),
    pad(data),
    header('plain', 0, '0'),
    Buffer.alloc(1024),
  ]);
}

it('parses PAX records as bytes', () => {
  const records = parsePaxRecords(Buffer.concat([paxRecord('SCHILY.xattr.user.blob', NOT_UTF8), paxRecord('path', Buffer.from('a/b'))]));
  expect(records.get('SCHILY.xattr.user.blob')).toEqual(NOT_UTF8);
  expect(records.get('path')).toEqual(Buffer.from('a/b'));
});

it.each([
  ['a plain tar', (t: Buffer) => t],
  ['gzip, fed in 7-byte chunks', (t: Buffer) => gzipSync(t)],
])('sets binary xattrs byte for byte (%s)', async (_what, encode) => {
  const calls: [string, string, Buffer][] = [];
  const fsOps: FsOps = {
    mknod: () => undefined,
    lsetxattr: (path, name, value) => calls.push([path.slice(dir.path.length), name, Buffer.from(value as Buffer)]),
  };
  const bytes = encode(layerWithXattrs());
  const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
  const result = await unpackLayer(Readable.from(chunks), dir.path, { fsOps, preserveOwner: false });
  expect(result.entries).toBe(2);
  expect(calls).toEqual([
    ['/ping', 'security.capability', CAPABILITY],
    ['/ping', 'user.blob', NOT_UTF8],
  ]);
});
