import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { parseDouble } from '../../protocol/number-format.js';
import type { ZSetValue } from '../zset/zset-value.js';
import { GEO_LAT_MAX, GEO_LAT_MIN, GEO_LONG_MAX, GEO_LONG_MIN, decodeScore } from './geohash.js';
import type { GeoShape } from './helper.js';
import { fixedDecimals } from './format.js';

/**
 * Argument helpers of geo.c. Each replies the error itself and returns false (C_ERR), so the
 * handlers keep Redis's order of checks.
 */

/** getDoubleFromObjectOrReply: string2d, with Redis's default or the given error text. */
function doubleArg(c: Client, s: string, msg: string = ERR.notFloat): number | null {
  const d = parseDouble(s);
  if (d === null) c.reply.error(msg);
  return d;
}

/** extractLongLatOrReply: two doubles within the Web Mercator limits. */
export function extractLongLat(c: Client, lonArg: string, latArg: string, xy: [number, number]): boolean {
  const lon = doubleArg(c, lonArg);
  if (lon === null) return false;
  const lat = doubleArg(c, latArg);
  if (lat === null) return false;
  xy[0] = lon;
  xy[1] = lat;
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    c.reply.error(`ERR invalid longitude,latitude pair ${fixedDecimals(lon, 6)},${fixedDecimals(lat, 6)}`);
    return false;
  }
  return true;
}

/** longLatFromMember: the member's decoded position, or the error when it is absent. */
export function memberLongLat(c: Client, z: ZSetValue, member: string, xy: [number, number]): boolean {
  const score = z.score(member);
  if (score === undefined) {
    c.reply.error('ERR could not decode requested zset member');
    return false;
  }
  const [lon, lat] = decodeScore(score);
  xy[0] = lon;
  xy[1] = lat;
  return true;
}

/** extractUnitOrReply: metres per unit, or -1 after replying. */
export function extractUnit(c: Client, unit: string): number {
  // strcasecmp over a C string: the text ends at a NUL byte.
  const z = unit.indexOf('\0');
  const u = (z >= 0 ? unit.slice(0, z) : unit).toLowerCase();
  if (u === 'm') return 1;
  if (u === 'km') return 1000;
  if (u === 'ft') return 0.3048;
  if (u === 'mi') return 1609.34;
  c.reply.error('ERR unsupported unit provided. please use M, KM, FT, MI');
  return -1;
}

/** extractDistanceOrReply: radius and unit. */
export function extractDistance(c: Client, radiusArg: string, unitArg: string, shape: GeoShape): boolean {
  const d = doubleArg(c, radiusArg, 'ERR need numeric radius');
  if (d === null) return false;
  if (d < 0) {
    c.reply.error('ERR radius cannot be negative');
    return false;
  }
  shape.radius = d;
  const toMeters = extractUnit(c, unitArg);
  if (toMeters < 0) return false;
  shape.conversion = toMeters;
  return true;
}

/** extractBoxOrReply: width, height and unit. */
export function extractBox(c: Client, widthArg: string, heightArg: string, unitArg: string, shape: GeoShape): boolean {
  const w = doubleArg(c, widthArg, 'ERR need numeric width');
  if (w === null) return false;
  const h = doubleArg(c, heightArg, 'ERR need numeric height');
  if (h === null) return false;
  if (h < 0 || w < 0) {
    c.reply.error('ERR height or width cannot be negative');
    return false;
  }
  shape.height = h;
  shape.width = w;
  const toMeters = extractUnit(c, unitArg);
  if (toMeters < 0) return false;
  shape.conversion = toMeters;
  return true;
}
