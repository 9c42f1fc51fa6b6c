/**
 * Redis's geohash.c: the interleaved ("Morton") geohash Redis stores as a sorted-set score, its
 * decoding back to a cell and a point, and the eight neighbours of a cell. Ported operation by
 * operation, so the doubles (cell edges, decoded coordinates) are the same as Redis's.
 *
 * A hash of `step` bits per axis has latitude bits at even positions and longitude bits at odd
 * ones. Hashes are bigints where bit operations need all 64 bits (encoding, neighbours); the
 * hot decoding path of a search works on two 32-bit halves of the score instead.
 */

/** Limits from EPSG:900913 / EPSG:3785 / OSGEO:41001 (Web Mercator): no geocoding at the poles. */
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
/** Bits per axis of a stored hash: 52 bits in all, exact in a double score. */
export const GEO_STEP_MAX = 26;

export interface GeoHashRange {
  min: number;
  max: number;
}

export interface GeoHashBits {
  bits: bigint;
  step: number;
}

export interface GeoHashArea {
  longitude: GeoHashRange;
  latitude: GeoHashRange;
}

/** north, south, east, west, then the corners, as geohashNeighbors fills GeoHashNeighbors. */
export interface GeoHashNeighbors {
  north: GeoHashBits;
  south: GeoHashBits;
  east: GeoHashBits;
  west: GeoHashBits;
  northEast: GeoHashBits;
  northWest: GeoHashBits;
  southEast: GeoHashBits;
  southWest: GeoHashBits;
}

export const WGS84_LONG_RANGE: GeoHashRange = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
export const WGS84_LAT_RANGE: GeoHashRange = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };

const M64 = (1n << 64n) - 1n;
const EVEN = 0x5555555555555555n;
const ODD = 0xaaaaaaaaaaaaaaaan;

/** interleave64: x's bits to the even positions, y's to the odd ones (both below 2^32). */
function interleave64(xlo: number, ylo: number): bigint {
  const B = [0x5555555555555555n, 0x3333333333333333n, 0x0f0f0f0f0f0f0f0fn, 0x00ff00ff00ff00ffn, 0x0000ffff0000ffffn];
  const S = [1n, 2n, 4n, 8n, 16n];
  let x = BigInt(xlo);
  let y = BigInt(ylo);
  for (let i = 4; i >= 0; i--) {
    x = (x | (x << S[i]!)) & B[i]!;
    y = (y | (y << S[i]!)) & B[i]!;
  }
  return x | (y << 1n);
}

/** The C conversion of a double in [0, 2^32) to uint32_t: truncation. */
function toUint32(d: number): number {
  return Math.trunc(d) >>> 0;
}

/** geohashEncode: the cell of `step` bits per axis holding (longitude, latitude), or null. */
export function geohashEncode(longRange: GeoHashRange, latRange: GeoHashRange, longitude: number, latitude: number, step: number): GeoHashBits | null {
  if (step > 32 || step === 0) return null;
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) return null;
  if (latitude < latRange.min || latitude > latRange.max || longitude < longRange.min || longitude > longRange.max) return null;
  let latOffset = (latitude - latRange.min) / (latRange.max - latRange.min);
  let longOffset = (longitude - longRange.min) / (longRange.max - longRange.min);
  // Fixed point at the step size; an edge value (offset 1.0) gives 2^step, one bit beyond.
  latOffset *= 2 ** step;
  longOffset *= 2 ** step;
  return { bits: interleave64(toUint32(latOffset), toUint32(longOffset)), step };
}

export function geohashEncodeWGS84(longitude: number, latitude: number, step: number): GeoHashBits | null {
  return geohashEncode(WGS84_LONG_RANGE, WGS84_LAT_RANGE, longitude, latitude, step);
}

/** geohashAlign52Bits: the hash shifted to the 52-bit score scale (wrapping at 64 bits as C does). */
export function geohashAlign52Bits(hash: GeoHashBits): bigint {
  return (hash.bits << BigInt(52 - hash.step * 2)) & M64;
}

/** Squeezes the even bits of a 32-bit value into its low 16 bits. */
function compactEven32(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v;
}

const TWO32 = 4294967296;
const TWO63 = 9223372036854775808;
const TWO64 = 18446744073709551616;

/** The two 32-bit halves of the last scoreToUint64 (out parameters: no allocation per point). */
let HI = 0;
let LO = 0;

/**
 * The hash as uint64_t from a double score ((uint64_t)score as x86-64 gcc code computes it), as
 * two 32-bit halves in HI and LO. Geo scores are integers below 2^54; other values (a plain
 * sorted set's scores) take the slow path: negative ones wrap, beyond 2^64 and NaN give C's
 * indefinite value.
 */
function scoreToUint64(score: number): void {
  if (score >= 0 && score < TWO64) {
    const t = Math.trunc(score);
    HI = Math.floor(t / TWO32);
    LO = t - HI * TWO32;
    return;
  }
  let v: bigint;
  if (score >= TWO64 || !(score > -TWO63)) {
    // cvttsd2si's indefinite 0x8000000000000000 (xor'ed back to 0 on the >= 2^63 branch).
    v = score >= TWO63 ? 0n : 1n << 63n;
  } else {
    v = BigInt(Math.trunc(score)) & M64;
  }
  HI = Number(v >> 32n);
  LO = Number(v & 0xffffffffn);
}

/**
 * geohashDecode of a step-26 hash given as a score (decodeGeohash), written into `area`.
 * deinterleave64: latitude from the even bits, longitude from the odd ones.
 */
export function decodeScoreArea(score: number, area: GeoHashArea): void {
  scoreToUint64(score);
  const ilato = (compactEven32(HI) * 65536 + compactEven32(LO)) >>> 0;
  const ilono = (compactEven32(HI >>> 1) * 65536 + compactEven32(LO >>> 1)) >>> 0;
  fillArea(ilato, ilono, GEO_STEP_MAX, WGS84_LONG_RANGE, WGS84_LAT_RANGE, area);
}

function fillArea(ilato: number, ilono: number, step: number, longRange: GeoHashRange, latRange: GeoHashRange, area: GeoHashArea): void {
  const latScale = latRange.max - latRange.min;
  const longScale = longRange.max - longRange.min;
  const div = 2 ** step;
  // (ilato + 1) is uint32 arithmetic in C.
  const ilato1 = (ilato + 1) >>> 0;
  const ilono1 = (ilono + 1) >>> 0;
  area.latitude.min = latRange.min + ((ilato * 1.0) / div) * latScale;
  area.latitude.max = latRange.min + ((ilato1 * 1.0) / div) * latScale;
  area.longitude.min = longRange.min + ((ilono * 1.0) / div) * longScale;
  area.longitude.max = longRange.min + ((ilono1 * 1.0) / div) * longScale;
}

export function newArea(): GeoHashArea {
  return { longitude: { min: 0, max: 0 }, latitude: { min: 0, max: 0 } };
}

/** geohashDecode of any hash (false for the all-zero hash, as HASHISZERO). */
export function geohashDecode(longRange: GeoHashRange, latRange: GeoHashRange, hash: GeoHashBits, area: GeoHashArea): boolean {
  if (hash.bits === 0n && hash.step === 0) return false;
  const b = hash.bits;
  let lat = 0;
  let lon = 0;
  for (let i = 0; i < 32; i++) {
    if ((b >> BigInt(2 * i)) & 1n) lat += 2 ** i;
    if ((b >> BigInt(2 * i + 1)) & 1n) lon += 2 ** i;
  }
  fillArea(lat, lon, hash.step, longRange, latRange, area);
  return true;
}

/** geohashDecodeAreaToLongLat: the cell's centre, clamped to the WGS84 limits. */
export function areaToLongLat(area: GeoHashArea, xy: [number, number]): void {
  let x = (area.longitude.min + area.longitude.max) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (area.latitude.min + area.latitude.max) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  xy[0] = x;
  xy[1] = y;
}

const scratchArea = newArea();

/** decodeGeohash: the point a sorted-set score stands for, as [longitude, latitude]. */
export function decodeScore(score: number): [number, number] {
  const xy: [number, number] = [0, 0];
  decodeScoreArea(score, scratchArea);
  areaToLongLat(scratchArea, xy);
  return xy;
}

/** geohash_move_x: one cell east (d > 0) or west, wrapping around at the step's width. */
function moveX(hash: GeoHashBits, d: number): GeoHashBits {
  if (d === 0) return hash;
  let x = hash.bits & ODD;
  const y = hash.bits & EVEN;
  const zz = EVEN >> BigInt(64 - hash.step * 2);
  if (d > 0) {
    x = (x + (zz + 1n)) & M64;
  } else {
    x = x | zz;
    x = (x - (zz + 1n)) & M64;
  }
  x &= ODD >> BigInt(64 - hash.step * 2);
  return { bits: x | y, step: hash.step };
}

/** geohash_move_y: one cell north (d > 0) or south. */
function moveY(hash: GeoHashBits, d: number): GeoHashBits {
  if (d === 0) return hash;
  const x = hash.bits & ODD;
  let y = hash.bits & EVEN;
  const zz = ODD >> BigInt(64 - hash.step * 2);
  if (d > 0) {
    y = (y + (zz + 1n)) & M64;
  } else {
    y = y | zz;
    y = (y - (zz + 1n)) & M64;
  }
  y &= EVEN >> BigInt(64 - hash.step * 2);
  return { bits: x | y, step: hash.step };
}

export function geohashNeighbors(hash: GeoHashBits): GeoHashNeighbors {
  return {
    east: moveY(moveX(hash, 1), 0),
    west: moveY(moveX(hash, -1), 0),
    south: moveY(moveX(hash, 0), -1),
    north: moveY(moveX(hash, 0), 1),
    northWest: moveY(moveX(hash, -1), 1),
    northEast: moveY(moveX(hash, 1), 1),
    southEast: moveY(moveX(hash, 1), -1),
    southWest: moveY(moveX(hash, -1), -1),
  };
}

const GEO_ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * GEOHASH's 11-character string: Redis stores hashes over latitudes -85..85, so the point is
 * decoded and re-encoded over the standard -90..90 range; the 11th character stands for bits
 * Redis does not have and is always '0'.
 */
export function standardGeohash(score: number): string {
  const [lon, lat] = decodeScore(score);
  const hash = geohashEncode({ min: -180, max: 180 }, { min: -90, max: 90 }, lon, lat, 26);
  const bits = hash === null ? 0n : hash.bits;
  let out = '';
  for (let i = 0; i < 11; i++) {
    const idx = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
    out += GEO_ALPHABET[idx];
  }
  return out;
}
