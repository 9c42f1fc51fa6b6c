import type { Client } from '../../server/client.js';
import { ERR, oneLine } from '../../errors.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { parseInteger } from '../../protocol/number-format.js';
import { readZset } from '../zset/access.js';
import { ZSetValue, fitEncoding, zsetLimits } from '../zset/zset-value.js';
import { scoreLteMax, type ScoreRange } from '../zset/skiplist.js';
import { areaToLongLat, decodeScoreArea, geohashAlign52Bits, newArea, type GeoHashBits } from './geohash.js';
import { areasByShape, distanceIfInShape, newShape, type GeoShape } from './helper.js';
import { pqsort } from './pqsort.js';
import { replyDistance, replyHumanDouble } from './format.js';
import { extractDistance, extractBox, extractLongLat, memberLongLat } from './args.js';

/** georadiusGeneric's flags. */
export const RADIUS_COORDS = 1;
export const RADIUS_MEMBER = 2;
export const RADIUS_NOSTORE = 4;
export const GEOSEARCH = 8;
export const GEOSEARCHSTORE = 16;

/** A point found by a search (geoPoint). */
interface GeoPoint {
  longitude: number;
  latitude: number;
  dist: number;
  score: number;
  member: string;
}

const scratchArea = newArea();
const scratchXY: [number, number] = [0, 0];

/**
 * geoGetPointsInRange: the members with min <= score < max, kept when inside the shape, in score
 * order; stops once `limit` (ANY's count, 0 for none) points are collected.
 */
function pointsInRange(z: ZSetValue, min: number, max: number, shape: GeoShape, out: GeoPoint[], limit: number): void {
  const range: ScoreRange = { min, max, minex: false, maxex: true };
  for (let n = z.zsl.firstInScoreRange(range); n; n = n.next) {
    if (!scoreLteMax(n.score, range)) break;
    decodeScoreArea(n.score, scratchArea);
    areaToLongLat(scratchArea, scratchXY);
    const dist = distanceIfInShape(shape, scratchXY[0], scratchXY[1]);
    if (dist !== null) out.push({ longitude: scratchXY[0], latitude: scratchXY[1], dist, score: n.score, member: n.member });
    if (out.length && limit && out.length >= limit) break;
  }
}

/**
 * membersOfAllNeighbors: scans the centre cell and its neighbours in Redis's order (centre, N, S,
 * E, W, NE, NW, SE, SW). A huge radius can make a cell equal the one scanned just before it,
 * which is then skipped; Redis compares only with the last scanned cell, and not at all while
 * that is the centre, so a repeat of the centre is scanned twice, as here.
 */
function membersOfAllNeighbors(z: ZSetValue, shape: GeoShape, out: GeoPoint[], limit: number): void {
  const r = areasByShape(shape);
  const nb = r.neighbors;
  const cells: (GeoHashBits | null)[] = [r.hash, nb.north, nb.south, nb.east, nb.west, nb.northEast, nb.northWest, nb.southEast, nb.southWest];
  let lastProcessed = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (cell === null) continue;
    const last = cells[lastProcessed]!;
    if (lastProcessed && cell.bits === last.bits && cell.step === last.step) continue;
    if (out.length && limit && out.length >= limit) break;
    // scoresOfGeoHashBox: every 52-bit score with this cell's prefix.
    const min = geohashAlign52Bits(cell);
    const max = geohashAlign52Bits({ bits: cell.bits + 1n, step: cell.step });
    pointsInRange(z, Number(min), Number(max), shape, out, limit);
    lastProcessed = i;
  }
}

/** The C comparator of distances (not a total order with NaN, like Redis's). */
function sortAsc(a: GeoPoint, b: GeoPoint): number {
  return a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1;
}

function sortDesc(a: GeoPoint, b: GeoPoint): number {
  return -sortAsc(a, b);
}

/** (long long)score for WITHHASH. */
function scoreAsLongLong(score: number): string {
  const t = Math.trunc(score);
  if (!(Math.abs(t) < 9223372036854775808)) return '-9223372036854775808';
  return Math.abs(t) < 2 ** 53 ? String(t) : BigInt(t).toString();
}

/**
 * georadiusGeneric: GEORADIUS[_RO], GEORADIUSBYMEMBER[_RO], GEOSEARCH and GEOSEARCHSTORE, with
 * Redis's order of checks (source lookup, fixed arguments, options left to right, then the
 * combination errors).
 */
export function georadiusGeneric(c: Client, argv: string[], srcKeyIndex: number, flags: number): void {
  let storekey: string | null = null;
  let storedist = false;
  const z = readZset(c, argv[srcKeyIndex]!);
  if (z === null) return;
  const shape = newShape();
  let baseArgs: number;
  if (flags & RADIUS_COORDS) {
    baseArgs = 6;
    shape.type = 'circle';
    if (!extractLongLat(c, argv[2]!, argv[3]!, shape.xy)) return;
    if (!extractDistance(c, argv[baseArgs - 2]!, argv[baseArgs - 1]!, shape)) return;
  } else if (flags & RADIUS_MEMBER && z === undefined) {
    // No source key: parse the options anyway, so the reply fits STORE or not.
    baseArgs = 5;
  } else if (flags & RADIUS_MEMBER) {
    baseArgs = 5;
    shape.type = 'circle';
    if (!memberLongLat(c, z!, argv[2]!, shape.xy)) return;
    if (!extractDistance(c, argv[baseArgs - 2]!, argv[baseArgs - 1]!, shape)) return;
  } else {
    baseArgs = 2;
    if (flags & GEOSEARCHSTORE) {
      baseArgs = 3;
      storekey = argv[1]!;
    }
  }

  let withdist = false;
  let withhash = false;
  let withcoords = false;
  let frommember = false;
  let fromloc = false;
  let byradius = false;
  let bybox = false;
  let sort: 'none' | 'asc' | 'desc' = 'none';
  let any = false;
  let count = 0;
  const remaining = argv.length - baseArgs;
  for (let i = 0; i < remaining; i++) {
    const at = baseArgs + i;
    const arg = argv[at]!.toLowerCase();
    if (arg === 'withdist') withdist = true;
    else if (arg === 'withhash') withhash = true;
    else if (arg === 'withcoord') withcoords = true;
    else if (arg === 'any') any = true;
    else if (arg === 'asc') sort = 'asc';
    else if (arg === 'desc') sort = 'desc';
    else if (arg === 'count' && i + 1 < remaining) {
      const n = parseInteger(argv[at + 1]!);
      if (n === null) {
        c.reply.error(ERR.notInteger);
        return;
      }
      if (n <= 0) {
        c.reply.error('ERR COUNT must be > 0');
        return;
      }
      count = n;
      i++;
    } else if ((arg === 'store' || arg === 'storedist') && i + 1 < remaining && !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH)) {
      storekey = argv[at + 1]!;
      storedist = arg === 'storedist';
      i++;
    } else if (arg === 'storedist' && flags & GEOSEARCH && flags & GEOSEARCHSTORE) {
      storedist = true;
    } else if (arg === 'frommember' && i + 1 < remaining && flags & GEOSEARCH && !fromloc) {
      // Without a source key the member cannot be looked up; the reply comes after parsing.
      if (z !== undefined && !memberLongLat(c, z, argv[at + 1]!, shape.xy)) return;
      frommember = true;
      i++;
    } else if (arg === 'fromlonlat' && i + 2 < remaining && flags & GEOSEARCH && !frommember) {
      if (!extractLongLat(c, argv[at + 1]!, argv[at + 2]!, shape.xy)) return;
      fromloc = true;
      i += 2;
    } else if (arg === 'byradius' && i + 2 < remaining && flags & GEOSEARCH && !bybox) {
      if (!extractDistance(c, argv[at + 1]!, argv[at + 2]!, shape)) return;
      shape.type = 'circle';
      byradius = true;
      i += 2;
    } else if (arg === 'bybox' && i + 3 < remaining && flags & GEOSEARCH && !byradius) {
      if (!extractBox(c, argv[at + 1]!, argv[at + 2]!, argv[at + 3]!, shape)) return;
      shape.type = 'box';
      bybox = true;
      i += 3;
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  }

  if (storekey !== null && (withdist || withhash || withcoords)) {
    const what = flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
    c.reply.error(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
    return;
  }
  if (flags & GEOSEARCH && !(frommember || fromloc)) {
    c.reply.error(oneLine(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${cstring(argv[0]!)}`));
    return;
  }
  if (flags & GEOSEARCH && !(byradius || bybox)) {
    c.reply.error(oneLine(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${cstring(argv[0]!)}`));
    return;
  }
  if (any && !count) {
    c.reply.error('ERR the ANY argument requires COUNT argument');
    return;
  }

  if (z === undefined) {
    if (storekey !== null) {
      deleteStoreKey(c, storekey);
      c.reply.int(0);
    } else {
      c.reply.array(0);
    }
    return;
  }

  // COUNT without an order means the closest ones (but ANY means any ones).
  if (count !== 0 && sort === 'none' && !any) sort = 'asc';

  const ga: GeoPoint[] = [];
  membersOfAllNeighbors(z, shape, ga, any ? count : 0);

  if (ga.length === 0 && storekey === null) {
    c.reply.array(0);
    return;
  }
  const resultLength = ga.length;
  const returned = count === 0 || resultLength < count ? resultLength : count;
  if (sort !== 'none') {
    const cmp = sort === 'asc' ? sortAsc : sortDesc;
    // glibc's qsort is a stable merge sort, as Array.prototype.sort; the partial sort is pqsort.
    if (returned === resultLength) ga.sort(cmp);
    else pqsort(ga, cmp, 0, returned - 1);
  }

  if (storekey === null) {
    replyPoints(c, ga, returned, shape.conversion, withdist, withhash, withcoords);
  } else {
    storePoints(c, ga, returned, shape.conversion, storekey, storedist, flags & GEOSEARCH ? 'geosearchstore' : 'georadiusstore');
  }
}

/** "%s" of a C string: the text stops at a NUL byte. */
function cstring(s: string): string {
  const z = s.indexOf('\0');
  return z >= 0 ? s.slice(0, z) : s;
}

function replyPoints(c: Client, ga: GeoPoint[], returned: number, conversion: number, withdist: boolean, withhash: boolean, withcoords: boolean): void {
  const r = c.reply;
  const optionLength = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
  r.array(returned);
  for (let i = 0; i < returned; i++) {
    const gp = ga[i]!;
    const dist = gp.dist / conversion;
    if (optionLength) r.array(optionLength + 1);
    r.bulk(gp.member);
    if (withdist) replyDistance(r, dist);
    if (withhash) r.raw(':' + scoreAsLongLong(gp.score) + '\r\n');
    if (withcoords) {
      r.array(2);
      replyHumanDouble(r, gp.longitude);
      replyHumanDouble(r, gp.latitude);
    }
  }
}

/** STORE / STOREDIST / GEOSEARCHSTORE: the results become a sorted set, or the key goes. */
function storePoints(c: Client, ga: GeoPoint[], returned: number, conversion: number, storekey: string, storedist: boolean, event: string): void {
  const db = c.db;
  if (returned) {
    const z = new ZSetValue(false);
    for (let i = 0; i < returned; i++) {
      const gp = ga[i]!;
      const score = storedist ? gp.dist / conversion : gp.score;
      // A member found twice (a scan of a repeated centre cell) trips an assertion in Redis.
      if (z.dict.has(gp.member)) continue;
      z.zsl.insert(score, gp.member);
      z.dict.set(gp.member, score);
    }
    fitEncoding(z, zsetLimits(c.server.config));
    db.set(storekey, z);
    c.server.notify(NOTIFY.zset, event, storekey, db.id);
    c.server.dirty += returned;
  } else {
    deleteStoreKey(c, storekey);
  }
  c.reply.int(returned);
}

function deleteStoreKey(c: Client, key: string): void {
  if (c.db.delete(key)) {
    c.server.notify(NOTIFY.generic, 'del', key, c.db.id);
    c.server.dirty++;
  }
}
