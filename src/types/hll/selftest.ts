import type { Client } from '../../server/client.js';
import { HLL_DENSE_SIZE, HLL_HDR_SIZE, HLL_REGISTERS, HLL_SPARSE, type Hll, denseGet, denseSetRegister, hllAddPattern, hllCount, hllCreate } from './hll.js';
import { hllPatLenU64 } from './murmur.js';

const HLL_TEST_CYCLES = 1000;

/**
 * PFSELFTEST, as Redis's pfselftestCommand: (1) dense registers keep random values without
 * disturbing their neighbours; (2) ten million distinct elements added to a dense and a sparse
 * HLL side by side, which must agree, stay sparse while small, and stay within six standard
 * errors at each power of ten. Like Redis it blocks for a second or two.
 */
export function pfselftest(c: Client): void {
  const dense: Hll = { b: Buffer.alloc(HLL_DENSE_SIZE + 1), len: HLL_DENSE_SIZE };
  const regs = dense.b;
  const expected = new Uint8Array(HLL_REGISTERS);
  for (let j = 0; j < HLL_TEST_CYCLES; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = Math.floor(Math.random() * 64);
      expected[i] = r;
      denseSetRegister(regs, HLL_HDR_SIZE, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = denseGet(regs, HLL_HDR_SIZE, i);
      if (val !== expected[i]) {
        c.reply.error(`TESTFAILED Register ${i} should be ${expected[i]} but is ${val}`);
        return;
      }
    }
  }

  regs.fill(0);
  const sparse = hllCreate();
  const maxBytes = c.server.config.int('hll-sparse-max-bytes');
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  const seedLo = Math.floor(Math.random() * 4294967296);
  const seedHi = Math.floor(Math.random() * 4294967296);
  let checkpoint = 1;
  for (let j = 1; j <= 10000000; j++) {
    // The element is the 8 bytes of the uint64 j ^ seed, hashed once for both HLLs.
    const pat = hllPatLenU64(seedHi, (j ^ seedLo) >>> 0);
    hllAddPattern(dense, pat, maxBytes);
    hllAddPattern(sparse, pat, maxBytes);
    if (j !== checkpoint) continue;
    if (j < maxBytes / 2 && sparse.b[4] !== HLL_SPARSE) {
      c.reply.error('TESTFAILED sparse encoding not used');
      return;
    }
    const card = Number(hllCount(dense));
    if (card !== Number(hllCount(sparse))) {
      c.reply.error('TESTFAILED dense/sparse disagree');
      return;
    }
    const abserr = Math.abs(checkpoint - card);
    // Cardinality 10 allows 1: collisions make a larger error statistically likely there.
    const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint);
    if (abserr > maxerr) {
      c.reply.error(`TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`);
      return;
    }
    checkpoint *= 10;
  }
  c.reply.ok();
}
