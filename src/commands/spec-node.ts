import type { ReplyValue } from '../protocol/reply-reader.js';
import type { Reply } from '../protocol/reply.js';

/**
 * A reply tree in compact JSON form, as stored in redis-spec.json: a JSON string is a bulk
 * string, a number an integer, an array an array, null a null; {"+": s} a status, {"~": [...]}
 * a set and {"%": [[k, v], ...]} a map. Written back with the client's protocol.
 */
export type SpecNode = string | number | null | SpecNode[] | { '+': string } | { '~': SpecNode[] } | { '%': [SpecNode, SpecNode][] };

export function toSpecNode(r: ReplyValue): SpecNode {
  switch (r.t) {
    case 'bulk':
    case 'verbatim':
      return r.v;
    case 'simple':
      return { '+': r.v };
    case 'int':
      return Number(r.v);
    case 'null':
      return null;
    case 'array':
    case 'push':
      return r.v === null ? null : r.v.map(toSpecNode);
    case 'set':
      return { '~': r.v.map(toSpecNode) };
    case 'map':
    case 'attr':
      return { '%': r.v.map(([k, v]) => [toSpecNode(k), toSpecNode(v)] as [SpecNode, SpecNode]) };
    default:
      throw new Error('unsupported reply in spec: ' + r.t);
  }
}

export function writeSpecNode(out: Reply, n: SpecNode): void {
  if (typeof n === 'string') out.bulk(n);
  else if (typeof n === 'number') out.int(n);
  else if (n === null) out.null();
  else if (Array.isArray(n)) {
    out.array(n.length);
    for (const x of n) writeSpecNode(out, x);
  } else if ('+' in n) out.simple(n['+']);
  else if ('~' in n) {
    out.set(n['~'].length);
    for (const x of n['~']) writeSpecNode(out, x);
  } else {
    out.map(n['%'].length);
    for (const [k, v] of n['%']) {
      writeSpecNode(out, k);
      writeSpecNode(out, v);
    }
  }
}
