import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { globMatch } from './glob.js';
import { startRedis, haveRedisServer, type RunningRedis } from '../../test/helpers/servers.js';
import { RawClient } from '../../test/helpers/raw-client.js';
import type { ReplyValue } from '../protocol/reply-reader.js';

describe('globMatch (stringmatchlen)', () => {
  test('the basics', () => {
    assert.ok(globMatch('h?llo', 'hello'));
    assert.ok(globMatch('h*llo', 'heeeello'));
    assert.ok(globMatch('h[ae]llo', 'hallo'));
    assert.ok(!globMatch('h[^e]llo', 'hello'));
    assert.ok(globMatch('h[a-b]llo', 'hbllo'));
    assert.ok(globMatch('h[b-a]llo', 'hbllo'), 'reversed ranges are swapped');
    assert.ok(globMatch('\\*', '*'));
    assert.ok(!globMatch('\\*', 'a'));
    assert.ok(globMatch('a\\', 'a\\'), 'a trailing backslash matches itself');
    assert.ok(globMatch('[a', 'a'), 'an unclosed class ends at the end of the pattern');
    assert.ok(globMatch('[a-]', ']'), "'[a-]' is the range a..]");
  });

  test('C quirks: "*" never matches the empty string, signed-char ranges, ASCII-only nocase', () => {
    assert.ok(!globMatch('*', ''));
    assert.ok(!globMatch('', 'a'));
    assert.ok(globMatch('', ''));
    // "[\x00-\xff]" is the range -1..0 with signed chars: only \xff and \x00.
    assert.ok(globMatch('[\x00-\xff]', '\xff'));
    assert.ok(globMatch('[\x00-\xff]', '\x00'));
    assert.ok(!globMatch('[\x00-\xff]', 'a'));
    assert.ok(globMatch('[\x80-\xff]', '\x90'));
    assert.ok(globMatch('HELLO', 'hello', true));
    assert.ok(!globMatch('\xc0', '\xe0', true), 'tolower folds A-Z only');
    assert.ok(globMatch('[A-C]', 'b', true));
  });

  test('pathological patterns stay fast (skipLongerMatches) and deep nesting is refused', () => {
    const s = 'a'.repeat(5000);
    assert.ok(!globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', s));
    assert.ok(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a', s));
    // Over 1000 nested stars, Redis gives up (no match) rather than recurse further.
    const deep = 'a*'.repeat(1100) + 'a';
    assert.ok(!globMatch(deep, 'a'.repeat(1101)));
  });

  test('a star-free pattern without classes matches only itself (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', '\x00', '\xff') }), fc.string({ unit: fc.constantFrom('a', 'b', '\x00', '\xff') }), (p, s) => {
        assert.equal(globMatch(p, s), p === s);
      }),
    );
  });
});

const keys = [
  '', 'a', 'b', 'ab', 'ba', 'abc', 'aXc', 'a\\c', 'a*c', 'a?c', 'a[c', 'a]c', 'a-c', '^', ']', '[', '\\', '-',
  'hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'HELLO', 'foo', 'foobar', 'f\x00o', '\x00', '\xff', '\x7f', '\x80',
  '\xe9t\xe9', 'aaaa', 'aaab', 'abab', 'x*y', '**', '*', '?', 'a\nb',
];

const patterns = [
  '*', '**', '?', '??', '???', 'a*', '*a', '*a*', 'a?c', 'a\\*c', 'a\\?c', 'a[bX]c', 'a[^X]c', 'a[!X]c',
  'a[a-z]c', 'a[z-a]c', 'a[A-Z]c', '[', '[]', '[]]', '[^]', '[^]]', '[a-]', '[-a]', '[\\]]', '[\\', '\\', 'a\\',
  '\\\\', 'a\\\\c', '[[]', '[]-]', 'h[ae]llo', 'h*llo', 'h?llo', 'h[^e]llo', 'H*', '*LL*', 'f\x00o', 'f?o',
  '[\x00-\xff]', '[\xfe-\xff]', '[\x80-\xff]', '[\x00-\x7f]', '\xff', '[\xff]', '*\xe9', 'a*a*a*b', '*a*a*a*a*b',
  'a*b*', '*\\', '[a-', '[a-b', 'x\\*y', '\\*\\*', '*[', 'a\nb', 'a?b', '[^a-z]*', '[a-c][a-c]', '*?', '?*', '*?*',
];

describe('globMatch against the real server KEYS', { skip: !haveRedisServer() }, () => {
  let redis: RunningRedis | undefined;
  let c: RawClient | undefined;
  before(async () => {
    redis = await startRedis();
    c = await RawClient.connect(redis.port);
    for (const k of keys) await c.call('SET', k, 'v');
  });
  after(async () => {
    c?.close();
    await redis?.stop();
  });

  async function redisKeys(pattern: string): Promise<string[]> {
    const reply = await c!.call('KEYS', pattern);
    assert.ok(reply);
    const r: ReplyValue = reply.value;
    assert.equal(r.t, 'array');
    const out: string[] = [];
    for (const x of (r as { v: ReplyValue[] }).v) if (x.t === 'bulk' && x.v !== null) out.push(x.v);
    return out.sort();
  }

  function ours(pattern: string): string[] {
    // KEYS short-cuts a lone "*" to "all keys".
    return keys.filter((k) => pattern === '*' || globMatch(pattern, k)).sort();
  }

  test('hand-picked patterns', async () => {
    for (const p of patterns) assert.deepEqual(ours(p), await redisKeys(p), `pattern ${JSON.stringify(p)}`);
  });

  test('random patterns', async () => {
    const alphabet = ['a', 'b', 'c', '*', '?', '[', ']', '^', '-', '\\', '\x00', '\xff', 'X'];
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let i = 0; i < 400; i++) {
      let p = '';
      const len = 1 + rnd(7);
      for (let j = 0; j < len; j++) p += alphabet[rnd(alphabet.length)]!;
      assert.deepEqual(ours(p), await redisKeys(p), `pattern ${JSON.stringify(p)}`);
    }
  });
});
