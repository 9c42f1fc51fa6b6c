/**
 * Redis 7.0's geohash_helper.c: the search shapes, the choice of the nine cells that cover a
 * search (centre + 8 neighbours, with the edge adjustments), and the haversine distance with
 * Redis's constants. Operation order follows the C code, so the doubles are the same. sin, cos
 * and asin are correctly rounded (trig.ts), as glibc's are for all but about 0.1% of arguments;
 * there the last bit of a distance can differ from Redis's.
 */
import { asinCR, cosCR, sinCR } from './trig.js';
import {
  WGS84_LAT_RANGE,
  WGS84_LONG_RANGE,
  geohashDecode,
  geohashEncode,
  geohashNeighbors,
  newArea,
  type GeoHashArea,
  type GeoHashBits,
  type GeoHashNeighbors,
} from './geohash.js';

const D_R = Math.PI / 180.0;
/** Earth's quadratic mean radius for WGS-84, as Redis has it. */
export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;

function degRad(ang: number): number {
  return ang * D_R;
}

function radDeg(ang: number): number {
  return ang / D_R;
}

/** A search area: a circle (radius) or an axis-aligned box (width, height), in `conversion` units. */
export interface GeoShape {
  type: 'circle' | 'box';
  /** Centre: longitude, latitude. */
  xy: [number, number];
  /** Metres per unit. */
  conversion: number;
  radius: number;
  width: number;
  height: number;
}

export function newShape(): GeoShape {
  return { type: 'circle', xy: [0, 0], conversion: 0, radius: 0, width: 0, height: 0 };
}

/** The centre cell and its neighbours; a neighbour excluded from the search is null (GZERO). */
export interface GeoHashRadius {
  hash: GeoHashBits;
  neighbors: { [K in keyof GeoHashNeighbors]: GeoHashBits | null };
}

/** geohashEstimateStepsByRadius: the cell size (bits per axis) for a search of this radius. */
export function estimateStepsByRadius(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  // Meridians converge towards the poles: wider cells there.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/**
 * geohashBoundingBox: [min lon, min lat, max lon, max lat] of the shape. The longitude span is
 * taken at the edge nearer the pole (top edge north of the equator, bottom edge south of it).
 */
export function boundingBox(shape: GeoShape): [number, number, number, number] {
  const longitude = shape.xy[0];
  const latitude = shape.xy[1];
  const height = shape.conversion * (shape.type === 'circle' ? shape.radius : shape.height / 2);
  const width = shape.conversion * (shape.type === 'circle' ? shape.radius : shape.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / cosCR(degRad(latitude + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / cosCR(degRad(latitude - latDelta)));
  const southern = latitude < 0;
  return [
    southern ? longitude - longDeltaBottom : longitude - longDeltaTop,
    latitude - latDelta,
    southern ? longitude + longDeltaBottom : longitude + longDeltaTop,
    latitude + latDelta,
  ];
}

function decodeArea(hash: GeoHashBits): GeoHashArea {
  const a = newArea();
  geohashDecode(WGS84_LONG_RANGE, WGS84_LAT_RANGE, hash, a);
  return a;
}

/** geohashCalculateAreasByShapeWGS84: the (up to) nine cells a search must scan. */
export function areasByShape(shape: GeoShape): GeoHashRadius {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  const longitude = shape.xy[0];
  const latitude = shape.xy[1];
  // A box is covered by the circle through its corners.
  let radiusMeters = shape.type === 'circle' ? shape.radius : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2));
  radiusMeters *= shape.conversion;

  let steps = estimateStepsByRadius(radiusMeters, latitude);
  const encode = (): GeoHashBits => geohashEncode(WGS84_LONG_RANGE, WGS84_LAT_RANGE, longitude, latitude, steps) ?? { bits: 0n, step: 0 };
  let hash = encode();
  let neighbors = geohashNeighbors(hash);
  let area = decodeArea(hash);

  // Near the edge of its cell the search may reach beyond the neighbours: take bigger cells.
  let decreaseStep = false;
  {
    const north = decodeArea(neighbors.north);
    const south = decodeArea(neighbors.south);
    const east = decodeArea(neighbors.east);
    const west = decodeArea(neighbors.west);
    if (north.latitude.max < maxLat) decreaseStep = true;
    if (south.latitude.min > minLat) decreaseStep = true;
    if (east.longitude.max < maxLon) decreaseStep = true;
    if (west.longitude.min > minLon) decreaseStep = true;
  }
  if (steps > 1 && decreaseStep) {
    steps--;
    hash = encode();
    neighbors = geohashNeighbors(hash);
    area = decodeArea(hash);
  }

  const n: GeoHashRadius['neighbors'] = { ...neighbors };
  // Neighbours wholly outside the bounding box need no scan.
  if (steps >= 2) {
    if (area.latitude.min < minLat) n.south = n.southWest = n.southEast = null;
    if (area.latitude.max > maxLat) n.north = n.northEast = n.northWest = null;
    if (area.longitude.min < minLon) n.west = n.southWest = n.northWest = null;
    if (area.longitude.max > maxLon) n.east = n.southEast = n.northEast = null;
  }
  return { hash, neighbors: n };
}

/**
 * geohashGetLatDistance: the distance along a meridian. asin(sin(x)) is x for latitudes, so
 * Redis skips the trigonometry when the longitudes are the same (7.0.15 has this shortcut: a
 * search with a radius between the two results tells them apart).
 */
function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/**
 * cos of the last two arguments: a search measures every candidate from the same centre, and a
 * box test takes the cosine of the candidate's latitude twice.
 */
const cosMemo = { x1: NaN, y1: 0, x2: NaN, y2: 0 };
function cosCached(x: number): number {
  if (x === cosMemo.x1) return cosMemo.y1;
  if (x === cosMemo.x2) return cosMemo.y2;
  const y = cosCR(x);
  cosMemo.x2 = cosMemo.x1;
  cosMemo.y2 = cosMemo.y1;
  cosMemo.x1 = x;
  cosMemo.y1 = y;
  return y;
}

/** geohashGetDistance: haversine great-circle distance in metres. */
export function geoDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = sinCR((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = sinCR((lat2r - lat1r) / 2);
  const a = u * u + cosCached(lat1r) * cosCached(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * asinCR(Math.sqrt(a));
}

/**
 * The same distance with V8's trigonometry: within a few ulps of geoDistance, except near the
 * antipode where asin amplifies them (to about 1e-8 relative). Used only to reject points
 * clearly outside a search, before the exact (and slower) distance is computed.
 */
function approxDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const v = Math.sin((degRad(lon2d) - degRad(lon1d)) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v));
}

/** Relative margin of approxDistance: beyond limit * (1 + margin) the exact distance is too. */
const APPROX_MARGIN = 1e-6;

/** Whether the point is surely farther than `limit` (false when unsure, NaN included). */
function surelyBeyond(lon1d: number, lat1d: number, lon2d: number, lat2d: number, limit: number): boolean {
  return approxDistance(lon1d, lat1d, lon2d, lat2d) > limit * (1 + APPROX_MARGIN);
}

/**
 * geohashGetDistanceIfInRadiusWGS84 and geohashGetDistanceIfInRectangle: the distance from the
 * centre (x1, y1) to the point (x2, y2) if the point is in the shape, else null. In a box, the
 * point's east-west distance is measured along its own parallel.
 */
export function distanceIfInShape(shape: GeoShape, x2: number, y2: number): number | null {
  const x1 = shape.xy[0];
  const y1 = shape.xy[1];
  if (shape.type === 'circle') {
    const limit = shape.radius * shape.conversion;
    if (surelyBeyond(x1, y1, x2, y2, limit)) return null;
    const d = geoDistance(x1, y1, x2, y2);
    // Written as C's `if (d > radius) fail`: a NaN distance passes.
    return d > limit ? null : d;
  }
  const widthM = shape.width * shape.conversion;
  const heightM = shape.height * shape.conversion;
  // The cheaper latitude test first, as geohashGetDistanceIfInRectangle does.
  if (latDistance(y2, y1) > heightM / 2) return null;
  if (surelyBeyond(x2, y2, x1, y2, widthM / 2) || geoDistance(x2, y2, x1, y2) > widthM / 2) return null;
  return geoDistance(x1, y1, x2, y2);
}

