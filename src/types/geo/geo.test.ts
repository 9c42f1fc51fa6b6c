import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GEO_STEP_MAX, decodeScore, geohashAlign52Bits, geohashEncodeWGS84, standardGeohash } from './geohash.js';
import { estimateStepsByRadius, geoDistance } from './helper.js';
import { fixedDecimals, humanDouble } from './format.js';
import { pqsort } from './pqsort.js';

/** Values taken from redis-server 7.0.15 (GEOADD then ZSCORE / GEOHASH / GEOPOS / GEODIST). */
const scoreOf = (lon: number, lat: number): number => Number(geohashAlign52Bits(geohashEncodeWGS84(lon, lat, GEO_STEP_MAX)!));

test('scores are the 52-bit hashes Redis stores, edges included', () => {
  assert.equal(scoreOf(13.361389, 38.115556), 3479099956230698);
  assert.equal(scoreOf(-180, -85.05112878), 0);
  // The top edge is one cell beyond the grid (offset 2^26 on both axes), as in Redis.
  assert.equal(scoreOf(180, 85.05112878), 13510798882111488);
});

test('GEOHASH strings and decoded positions', () => {
  assert.equal(standardGeohash(3479099956230698), 'sqc8b49rny0');
  assert.equal(standardGeohash(13510798882111488), 'bp05b5048p0');
  assert.equal(standardGeohash(0), '00bh0hbj200');
  const [lon, lat] = decodeScore(3479099956230698);
  assert.equal(humanDouble(lon), '13.36138933897018433');
  assert.equal(humanDouble(lat), '38.11555639549629859');
});

test('distance between Palermo and Catania is the one GEODIST gives', () => {
  const [x1, y1] = decodeScore(scoreOf(13.361389, 38.115556));
  const [x2, y2] = decodeScore(scoreOf(15.087269, 37.502669));
  assert.equal(fixedDecimals(geoDistance(x1, y1, x2, y2), 4), '166274.1516');
  assert.equal(fixedDecimals(geoDistance(x1, y1, x2, y2) / 1000, 4), '166.2742');
});

test('printf rounding: exact ties go to even, as glibc does', () => {
  assert.equal(fixedDecimals(0.03125, 4), '0.0312');
  assert.equal(fixedDecimals(0.09375, 4), '0.0938');
  assert.equal(fixedDecimals(1.5, 0), '2');
  assert.equal(fixedDecimals(2.5, 0), '2');
  assert.equal(fixedDecimals(-0, 4), '-0.0000');
  assert.equal(fixedDecimals(200, 6), '200.000000');
  assert.equal(fixedDecimals(85.05112879, 6), '85.051129');
  assert.equal(humanDouble(-0), '0');
  assert.equal(humanDouble(180), '180');
});

test('fixedDecimals agrees with toFixed away from ties', () => {
  fc.assert(
    fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (d) => {
      const t = d.toFixed(4);
      const f = fixedDecimals(d, 4);
      // toFixed drops the sign of a negative value that rounds to zero; printf keeps it.
      assert.equal(f.replace(/^-(0\.0000)$/, '$1'), t.replace(/^-(0\.0000)$/, '$1'));
    }),
    { numRuns: 2000 },
  );
});

test('search cell size grows with the radius and towards the poles', () => {
  assert.equal(estimateStepsByRadius(0, 0), 26);
  assert.equal(estimateStepsByRadius(1, 0), 24);
  assert.equal(estimateStepsByRadius(100000, 0), 7);
  assert.equal(estimateStepsByRadius(100000, 70), 6);
  assert.equal(estimateStepsByRadius(100000, -85), 5);
  assert.equal(estimateStepsByRadius(1e9, 0), 1);
});

test('pqsort sorts the requested range as a full sort would (values, not tie order)', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 120 }), fc.nat(), (xs, k) => {
      const n = 1 + (k % xs.length);
      const arr = xs.map((v, i) => ({ v, i }));
      pqsort(arr, (a, b) => (a.v > b.v ? 1 : a.v === b.v ? 0 : -1), 0, n - 1);
      const want = [...xs].sort((a, b) => a - b).slice(0, n);
      assert.deepEqual(
        arr.slice(0, n).map((x) => x.v),
        want,
      );
    }),
  );
});

test('pqsort orders ties as Redis 7.0 does', () => {
  // 20 points: 13 equal ones in the middle (as redis-server answered GEOSEARCH ... COUNT 3).
  const dist = [48, 30, 37, ...Array<number>(13).fill(0.15), 48.8, 55.6, 53.4, 60.4];
  const arr = dist.map((d, i) => ({ d, i }));
  pqsort(arr, (a, b) => (a.d > b.d ? 1 : a.d === b.d ? 0 : -1), 0, 2);
  assert.deepEqual(
    arr.slice(0, 3).map((x) => x.i),
    [14, 13, 15],
  );
});
