import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lzfCompress, lzfDecompress } from './lzf.js';
import { Crc64, crc64 } from './crc64.js';
import { decodeIntset, decodeListpack, decodeZiplist, decodeZipmap, encodeIntset, encodeListpack, encodeZiplist, encodeZipmap, listpackEntrySize } from './compact.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { readLength, readString } from './reader.js';
import { writeLength, writeString } from './writer.js';
import { mulberry32 } from '../../../test/helpers/prng.js';

const EDGES = ['0', '127', '128', '-1', '4095', '4096', '-4096', '-4097', '32767', '32768', '-32769', '8388607', '8388608',
  '-8388609', '2147483647', '2147483648', '-2147483649', '9223372036854775807', '-9223372036854775808', '9223372036854775808',
  '007', '-0', '', 'a', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(4095), 'x'.repeat(4096), '\x00\xff'];

test('crc64 matches Redis test vector and is incremental', () => {
  const c = new Crc64();
  c.update(Buffer.from('123456789'));
  assert.equal(c.value, 0xe9c6d914c4b8d9can);
  const data = Buffer.from('hello world, this is a longer buffer');
  const inc = new Crc64();
  inc.update(data, 0, 10);
  inc.update(data, 10);
  assert.ok(inc.bytes().equals(crc64(data)));
});

test('lzf round-trips random and repetitive data, and refuses what does not shrink', () => {
  const rnd = mulberry32(3);
  for (let n = 0; n < 200; n++) {
    const len = 21 + Math.floor(rnd() * 3000);
    const b = Buffer.alloc(len);
    const alphabet = 1 + Math.floor(rnd() * 255);
    for (let i = 0; i < len; i++) b[i] = Math.floor(rnd() * alphabet);
    const out = Buffer.alloc(len + 64);
    const clen = lzfCompress(b, out, len - 4);
    if (clen === 0) continue;
    assert.ok(clen <= len - 4);
    assert.ok(lzfDecompress(out.subarray(0, clen), len)!.equals(b));
  }
  const random = Buffer.alloc(100);
  for (let i = 0; i < 100; i++) random[i] = Math.floor(rnd() * 256);
  assert.equal(lzfCompress(random, Buffer.alloc(200), 96), 0);
  assert.equal(lzfDecompress(Buffer.from([0x05, 1, 2]), 6), null, 'a truncated literal run');
});

test('listpack, ziplist, zipmap and intset encode and decode', () => {
  const lp = encodeListpack(EDGES);
  assert.deepEqual(decodeListpack(new ByteReader(lp)), EDGES);
  let size = 7;
  for (const e of EDGES) size += listpackEntrySize(e);
  assert.equal(size, lp.length);
  assert.deepEqual(decodeZiplist(new ByteReader(encodeZiplist(EDGES))), EDGES);
  const pairs = ['f', 'v', 'x'.repeat(300), '', 'k', 'y'.repeat(254)];
  assert.deepEqual(decodeZipmap(new ByteReader(encodeZipmap(pairs))), pairs);
  for (const ints of [['-5', '1', '300'], ['1', '70000'], ['-9223372036854775808', '0', '9223372036854775807']]) {
    const b = encodeIntset(ints);
    assert.equal(b.readUInt32LE(0), ints.length === 3 && ints[0] === '-5' ? 2 : ints[1] === '70000' ? 4 : 8);
    assert.deepEqual(decodeIntset(new ByteReader(b)), ints);
  }
  assert.throws(() => decodeListpack(new ByteReader(lp.subarray(0, lp.length - 1))), /listpack/);
});

test('RDB lengths and strings round-trip in every encoding', () => {
  const w = new ByteWriter(16);
  const lens = [0, 63, 64, 16383, 16384, 2 ** 32 - 1, 2 ** 32, 2 ** 40];
  for (const n of lens) writeLength(w, n);
  const strs = [...EDGES, 'abc'.repeat(100), 'z'.repeat(10000)];
  for (const s of strs) writeString(w, s, { compression: true, listFill: -2 });
  const r = new ByteReader(Buffer.from(w.result()));
  for (const n of lens) assert.equal(readLength(r), n);
  for (const s of strs) assert.equal(readString(r), s);
  assert.equal(r.remaining, 0);
});
