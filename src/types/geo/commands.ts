import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { zsetCommands } from '../zset/commands.js';
import { readZset } from '../zset/access.js';
import { GEO_STEP_MAX, decodeScore, geohashAlign52Bits, geohashEncodeWGS84, standardGeohash } from './geohash.js';
import { geoDistance } from './helper.js';
import { extractLongLat, extractUnit } from './args.js';
import { replyDistance, replyHumanDouble } from './format.js';
import { GEOSEARCH, GEOSEARCHSTORE, RADIUS_COORDS, RADIUS_MEMBER, RADIUS_NOSTORE, georadiusGeneric } from './search.js';

/** Geo (GEOADD, GEOSEARCH, GEORADIUS, ...): sorted sets whose scores are 52-bit geohashes. */

const zaddHandler = zsetCommands.find((d) => d.name === 'zadd')!.handler;

/**
 * GEOADD key [NX|XX] [CH] lon lat member ...: validated here, then done by ZADD with each
 * position turned into its score; the ZADD vector is what gets propagated, as Redis's
 * replaceClientCommandVector makes it.
 */
function geoadd(c: Client, argv: string[]): void {
  let xx = false;
  let nx = false;
  let longidx = 2;
  while (longidx < argv.length) {
    const opt = argv[longidx]!.toLowerCase();
    if (opt === 'nx') nx = true;
    else if (opt === 'xx') xx = true;
    else if (opt !== 'ch') break;
    longidx++;
  }
  if ((argv.length - longidx) % 3 !== 0 || (xx && nx)) {
    c.reply.error(ERR.syntax);
    return;
  }
  const elements = (argv.length - longidx) / 3;
  const zargv: string[] = ['zadd', ...argv.slice(1, longidx)];
  const xy: [number, number] = [0, 0];
  for (let i = 0; i < elements; i++) {
    const at = longidx + i * 3;
    if (!extractLongLat(c, argv[at]!, argv[at + 1]!, xy)) return;
    const hash = geohashEncodeWGS84(xy[0], xy[1], GEO_STEP_MAX)!;
    zargv.push(geohashAlign52Bits(hash).toString(), argv[at + 2]!);
  }
  c.rewriteArgv(zargv);
  zaddHandler(c, zargv);
}

/** GEOPOS key member ...: each member's decoded position, or a null array. */
function geopos(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]!);
  if (z === null) return;
  const r = c.reply;
  r.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z?.score(argv[j]!);
    if (score === undefined) {
      r.nullArray();
      continue;
    }
    const [lon, lat] = decodeScore(score);
    r.array(2);
    replyHumanDouble(r, lon);
    replyHumanDouble(r, lat);
  }
}

/** GEOHASH key member ...: standard 11-character geohash strings, or nulls. */
function geohash(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]!);
  if (z === null) return;
  const r = c.reply;
  r.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z?.score(argv[j]!);
    if (score === undefined) r.null();
    else r.bulk(standardGeohash(score));
  }
}

/** GEODIST key member1 member2 [unit]: the unit is checked before the key is looked up. */
function geodist(c: Client, argv: string[]): void {
  let toMeter = 1;
  if (argv.length === 5) {
    toMeter = extractUnit(c, argv[4]!);
    if (toMeter < 0) return;
  } else if (argv.length > 5) {
    c.reply.error(ERR.syntax);
    return;
  }
  const z = readZset(c, argv[1]!);
  if (z === null) return;
  const s1 = z?.score(argv[2]!);
  const s2 = s1 === undefined ? undefined : z?.score(argv[3]!);
  if (s1 === undefined || s2 === undefined) {
    c.reply.null();
    return;
  }
  const [x1, y1] = decodeScore(s1);
  const [x2, y2] = decodeScore(s2);
  replyDistance(c.reply, geoDistance(x1, y1, x2, y2) / toMeter);
}

export const geoCommands: CommandDef[] = [
  { name: 'geoadd', handler: geoadd },
  { name: 'geopos', handler: geopos },
  { name: 'geohash', handler: geohash },
  { name: 'geodist', handler: geodist },
  { name: 'georadius', handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS) },
  { name: 'georadiusbymember', handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER) },
  { name: 'georadius_ro', handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE) },
  { name: 'georadiusbymember_ro', handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE) },
  { name: 'geosearch', handler: (c, argv) => georadiusGeneric(c, argv, 1, GEOSEARCH) },
  { name: 'geosearchstore', handler: (c, argv) => georadiusGeneric(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE) },
];
