import type { Reply } from '../../protocol/reply.js';
import { formatLongDoubleHuman } from '../string/long-double.js';

/**
 * Reply formats of geo.c: coordinates go out through addReplyHumanLongDouble (the double widened
 * to a long double, "%.17Lf" with trailing zeros cut: a bulk string in RESP2, a RESP3 double),
 * distances through addReplyDoubleDistance ("%.4f", a bulk string in both protocols).
 */

const view = new DataView(new ArrayBuffer(8));

/** A finite double's exact value as mant * 2^exp (an x87 long double holds it exactly). */
function dyadic(d: number): { neg: boolean; mant: bigint; exp: number } {
  view.setFloat64(0, d);
  const bits = view.getBigUint64(0);
  const neg = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  return biased === 0 ? { neg, mant: frac, exp: -1074 } : { neg, mant: frac | (1n << 52n), exp: biased - 1075 };
}

/** ld2string(LD_STR_HUMAN) of a double. */
export function humanDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return d < 0 ? '-nan' : 'nan';
  return formatLongDoubleHuman({ ...dyadic(d), inf: false });
}

export function replyHumanDouble(r: Reply, d: number): void {
  const s = humanDouble(d);
  if (r.resp === 3) r.raw(',' + s + '\r\n');
  else r.bulk(s);
}

/**
 * printf("%.Nf") of a double: the exact binary value rounded at N decimals, ties to even, as
 * glibc does (toFixed rounds ties up).
 */
export function fixedDecimals(d: number, n: number): string {
  if (Number.isNaN(d)) return '-nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  const { neg, mant, exp } = dyadic(d);
  const p = 10n ** BigInt(n);
  let q: bigint;
  if (exp >= 0) {
    q = (mant << BigInt(exp)) * p;
  } else {
    const sh = BigInt(-exp);
    const scaled = mant * p;
    q = scaled >> sh;
    const rem = scaled - (q << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  }
  const t = q.toString().padStart(n + 1, '0');
  return (neg ? '-' : '') + (n ? t.slice(0, -n) + '.' + t.slice(-n) : t);
}

export function replyDistance(r: Reply, d: number): void {
  r.bulk(fixedDecimals(d, 4));
}
