/**
 * sin, cos and asin rounded correctly (to the double nearest the exact value), for the geo
 * distance. Redis calls glibc's, which are correctly rounded for all but about 0.1% of
 * arguments; V8's Math.sin/cos/asin (fdlibm) are off by one ulp for several percent, which shows
 * in STOREDIST scores (printed to 17 digits) and, rarely, in "%.4f" distances. The work is done
 * in double-double arithmetic (about 70 to 104 bits), then rounded once.
 */

/** A double-double: the unevaluated sum hi + lo with |lo| <= ulp(hi) / 2. */
type DD = [number, number];

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitter

/** A rational 2^-shift * n as a double-double (for the constants below). */
function ddFromBig(n: bigint, shift: number): DD {
  const scale = 2 ** -shift;
  const hi = Number(n) * scale;
  const hiBig = BigInt(Math.round(hi / scale));
  // hi / scale is an integer below 2^(shift + 1): exact as a double times a power of two.
  const rest = n - hiBig;
  return [hi, Number(rest) * scale];
}

const PREC = 240n;

/** pi to 240 bits: Machin's formula in fixed point. */
function piFixed(): bigint {
  const one = 1n << PREC;
  const arctanInv = (x: bigint): bigint => {
    let sum = 0n;
    let term = one / x;
    const x2 = x * x;
    for (let k = 1n; term !== 0n; k += 2n) {
      sum += (k & 2n ? -term : term) / k;
      term /= x2;
    }
    return sum;
  };
  return 4n * (4n * arctanInv(5n) - arctanInv(239n));
}

const PI_FIXED = piFixed();
/** pi/2 as three doubles, high to low (about 160 bits). */
const PIO2: [number, number, number] = (() => {
  const v = PI_FIXED / 2n;
  const s = Number(PREC);
  const a = Number(v) * 2 ** -s;
  const r1 = v - BigInt(Math.round(a * 2 ** 60)) * (1n << (PREC - 60n));
  const b = Number(r1) * 2 ** -s;
  const r2 = r1 - BigInt(Math.round(b * 2 ** 115)) * (1n << (PREC - 115n));
  return [a, b, Number(r2) * 2 ** -s];
})();

/** 1/n! as double-doubles, n = 0..29. */
const INV_FACT: DD[] = (() => {
  const out: DD[] = [];
  let f = 1n;
  for (let n = 0; n < 30; n++) {
    if (n > 0) f *= BigInt(n);
    out.push(ddFromBig((1n << PREC) / f, Number(PREC)));
  }
  return out;
})();

/** Coefficients (-1)^j / (2j + o)! of the sin (o = 1) and cos (o = 0) series, hi and lo parts. */
const COEF_HI: [Float64Array, Float64Array] = [new Float64Array(14), new Float64Array(14)];
const COEF_LO: [Float64Array, Float64Array] = [new Float64Array(14), new Float64Array(14)];
for (const o of [0, 1] as const) {
  for (let j = 0; j < 14; j++) {
    const c = INV_FACT[2 * j + o]!;
    COEF_HI[o][j] = j % 2 ? -c[0] : c[0];
    COEF_LO[o][j] = j % 2 ? -c[1] : c[1];
  }
}

/** The low part of the last double-double result (an out parameter: no allocation per call). */
let LO = 0;

/** Dekker's product hi; low part in LO. */
function prod(a: number, b: number): number {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  LO = ah * bh - p + ah * bl + al * bh + al * bl;
  return p;
}

/** (ah + al) + (bh + bl), hi returned, lo in LO. */
function add(ah: number, al: number, bh: number, bl: number): number {
  const s = ah + bh;
  const bb = s - ah;
  const e = ah - (s - bb) + (bh - bb);
  const t = e + al + bl;
  const h = s + t;
  LO = t - (h - s);
  return h;
}

/**
 * The series for |r| <= pi/4: the high-order terms (r^8/8! and smaller, below 2^-18 of the
 * result) in plain doubles, so their rounding stays near 2^-71 of the result, the first four in
 * double-double: the result then rounds correctly unless it lies within 2^-18 ulp of a midpoint.
 */
function kernel(rh: number, rl: number, o: 0 | 1): number {
  const hiC = COEF_HI[o];
  const loC = COEF_LO[o];
  let sh = prod(rh, rh);
  let sl = LO + 2 * rh * rl;
  const t0 = sh + sl;
  sl = sl - (t0 - sh);
  sh = t0;
  let tail = hiC[13]!;
  for (let j = 12; j >= 4; j--) tail = tail * sh + hiC[j]!;
  let ah = tail;
  let al = 0;
  for (let j = 3; j >= 0; j--) {
    const ph = prod(ah, sh);
    const pl = LO + (ah * sl + al * sh);
    ah = add(ph, pl, hiC[j]!, loC[j]!);
    al = LO;
  }
  if (o === 0) {
    LO = al;
    return ah;
  }
  const ph = prod(ah, rh);
  const pl = LO + (ah * rl + al * rh);
  const h = ph + pl;
  LO = pl - (h - ph);
  return h;
}

/** sin (which 0) or cos (which 1) of |x| < 8 as a double-double (hi returned, lo in LO). */
function sinCosDD(x: number, which: 0 | 1): number {
  const k = Math.round(x / (Math.PI / 2));
  // r = x - k*pi/2 with pi/2 in three parts; k*P1 and k*P2 exactly.
  const p1 = prod(k, PIO2[0]);
  let rh = add(x, 0, -p1, -LO);
  let rl = LO;
  const p2 = prod(k, PIO2[1]);
  rh = add(rh, rl, -p2, -LO - k * PIO2[2]);
  rl = LO;
  const q = (((k + which) % 4) + 4) % 4;
  const h = kernel(rh, rl, q % 2 === 0 ? 1 : 0);
  if (q >= 2) {
    LO = -LO;
    return -h;
  }
  return h;
}

/** The double nearest sin or cos of x. */
function sinCosRounded(x: number, which: 0 | 1): number {
  const h = sinCosDD(x, which);
  return h + LO;
}

/** Beyond this the trigonometry takes V8's (search shapes of absurd size only). */
const LIMIT = 8;

export function sinCR(x: number): number {
  if (!(Math.abs(x) < LIMIT)) return Math.sin(x);
  // Below 2^-26 sin(x) rounds to x (and the kernel would underflow needlessly).
  if (Math.abs(x) < 1.4901161193847656e-8) return x;
  return sinCosRounded(x, 0);
}

export function cosCR(x: number): number {
  if (!(Math.abs(x) < LIMIT)) return Math.cos(x);
  if (Math.abs(x) < 7.450580596923828e-9) return 1;
  return sinCosRounded(x, 1);
}

/** asin by one Newton step on sin from V8's estimate, in double-double. */
export function asinCR(y: number): number {
  const t0 = Math.asin(y);
  if (!Number.isFinite(t0) || Math.abs(y) < 1.4901161193847656e-8) return t0;
  const c = sinCosRounded(t0, 1);
  const sh = sinCosDD(t0, 0);
  // delta = (sin(t0) - y) / cos(t0): a tiny correction, a double is precise enough for it.
  const dh = add(sh, LO, -y, 0);
  const delta = (dh + LO) / c;
  const t = t0 - delta;
  return t;
}
