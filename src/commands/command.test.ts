import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { CommandTable, getKeys, keyPositions, type CommandDef } from './table.js';
import { writeGetKeys } from './command.js';
import { Reply } from '../protocol/reply.js';
import { splitArgs } from '../protocol/parser.js';
import type { SpecNode } from './spec-node.js';
import { RawClient } from '../../test/helpers/raw-client.js';
import { haveRedisServer, startRedis, type RunningRedis } from '../../test/helpers/servers.js';

/**
 * Key extraction is checked on a table holding EVERY Redis 7.0 command (with no-op handlers), so
 * each key-spec shape and each getkeys fallback is compared with the real redis-server, not only
 * the commands Nodis implements today.
 */
function fullTable(): CommandTable {
  const spec = JSON.parse(fs.readFileSync(new URL('../../../src/commands/redis-spec.json', import.meta.url), 'utf8')) as Record<string, { info: SpecNode }>;
  const defs: CommandDef[] = [];
  const noop = (): void => {};
  for (const s of Object.values(spec)) {
    const info = s.info;
    if (!Array.isArray(info)) continue;
    defs.push({ name: String(info[0]), handler: noop });
    const subs = info[9];
    if (Array.isArray(subs)) for (const sub of subs) if (Array.isArray(sub)) defs.push({ name: String(sub[0]), handler: noop });
  }
  return new CommandTable(defs);
}

const table = fullTable();

/** Target command lines (what follows COMMAND GETKEYS), one shape or error case each. */
const CASES = `
get k
GET k
set k v
set k v get
set k v EX 10 GET
set k get
get
get k extra
set k
nosuch k
ping x
echo x
client list
config get x
config nosuch
config
mset a 1 b 2 c 3
mset a 1 b
mget a b c
del a b c
rename a b
copy a b db 1 replace
bitop and d a b c
lmove a b left right
smove a b m
zunionstore d 2 a b
zunionstore d 2 a b weights 1 2
zunionstore d 0 a
zunionstore d -1 a
zunionstore d 3 a b
zunionstore d x a
zunionstore d 2x a b
zunionstore d " 2" a b
zunionstore d +2 a b
zinterstore d 1 a
zdiffstore d 2 a b
zunion 2 a b
zunion 2abc a b
zunion 3 a b
zinter 1 a withscores
zdiff 2 a b
zintercard 2 a b limit 1
sintercard 2 a b
sintercard 0 a
lmpop 2 a b left
lmpop 3 a b left
lmpop 2x a b left
lmpop 5 a b left
blmpop 0 2 a b left
zmpop 1 a min
bzmpop 0 1 a min
eval "return 1" 2 a b c
eval s 0
eval s 3 a
eval s -1
eval s x
eval s 2x a b
evalsha sha 1 a
eval_ro s 1 a
evalsha_ro sha 1 a
fcall f 1 a b
fcall_ro f 2 a b
fcall f 0
xread streams a b
xread count 1 streams a b c d
xread count 1 streams a b c
xread count 1 streams
xread count streams a
xread streams streams a
XREAD STREAMS a 0
xread block 0 noack streams a 0
xreadgroup group g c streams a b
xreadgroup group streams c streams a
xreadgroup group g c count 1 streams a b c d
georadius k 0 0 1 km store s storedist t
georadius k 0 0 1 km store s
georadius k 0 0 1 km store
georadius k 0 0 1 km STOREDIST s
georadiusbymember k m 1 km store s
georadius_ro k 0 0 1 km
sort k
sort k store d
sort k store
sort k STORE a store b
sort k by x get y limit 0 1 store d
sort k limit store d
sort k store limit x y
sort_ro k by x
migrate h p k 0 0
migrate h p "" 0 0 keys a b
migrate h p "" 0 0 copy replace keys a b
migrate h p "" 0 0 auth pw keys a
migrate h p "" 0 0 auth2 u pw keys a b
migrate h p k 0 0 keys a b
migrate h p "" 0 0 keys
bitfield k get u8 0
bitfield k set u8 0 1
bitfield k overflow sat get u8 0
bitfield k incrby u8 0 1
bitfield k foo
bitfield k
bitfield_ro k get u8 0
object encoding k
memory usage k
memory usage
spublish ch msg
ssubscribe a b
sunsubscribe a
publish ch msg
pfcount a b c
pfmerge d a b
getex k persist
lcs a b
blpop a b 0
brpoplpush a b 0
xadd k * a b
restore k 0 v
watch a b
xgroup create k g $
xinfo stream k
geosearchstore d s frommember m byradius 1 km
`
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => splitArgs(l)!);

function ours(target: string[], withFlags: boolean, resp: 2 | 3): string {
  const out = new Reply();
  out.resp = resp;
  writeGetKeys(out, table, target, withFlags);
  return Buffer.concat(out.take()).toString('latin1');
}

test('keyPositions from index/range specs', () => {
  assert.deepEqual(keyPositions(table.lookup(['mset'])!, ['mset', 'a', '1', 'b', '2']), [1, 3]);
  assert.deepEqual(keyPositions(table.lookup(['bitop'])!, ['bitop', 'and', 'd', 'a', 'b']), [2, 3, 4]);
});

test('keyPositions from keynum and keyword specs', () => {
  assert.deepEqual(keyPositions(table.lookup(['zunionstore'])!, ['zunionstore', 'd', '2', 'a', 'b']), [1, 3, 4]);
  assert.deepEqual(keyPositions(table.lookup(['xread'])!, ['xread', 'count', '1', 'streams', 'a', 'b', '0', '0']), [4, 5]);
  assert.deepEqual(keyPositions(table.lookup(['georadius'])!, 'georadius k 0 0 1 km store s'.split(' ')), [1, 7]);
});

test('getKeys falls back to the getkeys functions', () => {
  assert.deepEqual(getKeys(table.lookup(['sort'])!, ['sort', 'k', 'store', 'd']), [
    { pos: 1, flags: ['RO', 'access'] },
    { pos: 3, flags: ['OW', 'update'] },
  ]);
  assert.deepEqual(keyPositions(table.lookup(['eval'])!, ['eval', 's', '2x', 'a', 'b']), [3, 4]);
  assert.deepEqual(getKeys(table.lookup(['set'])!, ['set', 'k', 'v', 'GET'])[0]!.flags, ['RW', 'access', 'update']);
});

test('a __proto__ argument is just an argument', () => {
  assert.deepEqual(keyPositions(table.lookup(['del'])!, ['del', '__proto__']), [1]);
});

let redis: RunningRedis | null = null;
let conn: RawClient | null = null;

before(async () => {
  if (!haveRedisServer()) return;
  redis = await startRedis();
  conn = await RawClient.connect(redis.port);
});

after(async () => {
  conn?.close();
  await redis?.stop();
});

for (const resp of [2, 3] as const) {
  test(`COMMAND GETKEYS/GETKEYSANDFLAGS match redis-server for every spec shape (RESP${resp})`, async (t) => {
    if (!conn) {
      t.skip('redis-server not installed');
      return;
    }
    await conn.call('HELLO', String(resp));
    const diffs: string[] = [];
    for (const target of CASES) {
      for (const withFlags of [false, true]) {
        const sub = withFlags ? 'GETKEYSANDFLAGS' : 'GETKEYS';
        const r = await conn.call('COMMAND', sub, ...target);
        const theirs = r ? r.raw.toString('latin1') : 'closed';
        // Fewer than two target words is the dispatcher's arity error, not ours to produce.
        if (target.length < 2) continue;
        const mine = ours(target, withFlags, resp);
        if (mine !== theirs) diffs.push(`${sub} ${target.join(' ')}\n  redis: ${JSON.stringify(theirs)}\n  nodis: ${JSON.stringify(mine)}`);
      }
    }
    assert.equal(diffs.length, 0, diffs.join('\n'));
  });
}
