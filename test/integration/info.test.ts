import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis } from '../helpers/servers.js';

/** INFO text -> section name -> field -> value. */
function parseInfo(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let cur: Map<string, string> | null = null;
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) {
      cur = new Map();
      out.set(line.slice(2), cur);
    } else if (line !== '') {
      const i = line.indexOf(':');
      cur!.set(line.slice(0, i), line.slice(i + 1));
    }
  }
  return out;
}

test('INFO sections: default, all, everything, several names, unknown', async () => {
  const server = await startNodis();
  const r = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    const def = parseInfo(await r.info());
    assert.deepEqual([...def.keys()], ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Errorstats', 'Cluster', 'Keyspace']);
    const all = parseInfo(await r.info('all'));
    assert.deepEqual([...all.keys()], ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Commandstats', 'Errorstats', 'Latencystats', 'Cluster', 'Keyspace']);
    assert.deepEqual([...parseInfo(await r.info('everything')).keys()], [...all.keys()]);
    assert.deepEqual([...parseInfo((await r.call('INFO', 'CPU', 'server')) as string).keys()], ['Server', 'CPU']);
    assert.deepEqual([...parseInfo((await r.call('INFO', 'default', 'commandstats')) as string).keys()].length, 12);
    assert.equal(await r.call('INFO', 'nosuchsection'), '');
    const srv = def.get('Server')!;
    assert.equal(srv.get('redis_version'), '7.0.15');
    assert.equal(srv.get('process_id'), String(process.pid));
    assert.equal(srv.get('tcp_port'), String(server.port));
    assert.match(srv.get('run_id')!, /^[0-9a-f]{40}$/);
    assert.ok(Number(srv.get('uptime_in_seconds')) >= 0);
    assert.equal(def.get('Clients')!.get('connected_clients'), '1');
    const mem = def.get('Memory')!;
    assert.ok(Number(mem.get('used_memory')) > 0);
    assert.ok(Number(mem.get('used_memory_rss')) > 0);
    assert.match(mem.get('mem_fragmentation_ratio')!, /^\d+\.\d\d$/);
    assert.equal(def.get('Persistence')!.get('loading'), '0');
    assert.equal(def.get('Persistence')!.get('rdb_bgsave_in_progress'), '0');
    assert.equal(def.get('Replication')!.get('role'), 'master');
    assert.equal(def.get('Cluster')!.get('cluster_enabled'), '0');
  } finally {
    r.disconnect();
    await server.close();
  }
});

test('INFO numbers move: commands, keyspace, commandstats, errorstats, hits and misses', async () => {
  const server = await startNodis();
  const r = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    const before = parseInfo(await r.info('everything'));
    const cmds0 = Number(before.get('Stats')!.get('total_commands_processed'));
    await r.set('a', '1');
    await r.set('b', '2', 'EX', 1000);
    await r.get('a');
    await r.get('missing');
    await assert.rejects(r.call('NOSUCHCMD'));
    await r.select(3);
    await r.set('c', '3');
    const after = parseInfo(await r.info('everything'));
    const stats = after.get('Stats')!;
    assert.ok(Number(stats.get('total_commands_processed')) >= cmds0 + 6);
    assert.ok(Number(stats.get('keyspace_hits')) >= 1);
    assert.ok(Number(stats.get('keyspace_misses')) >= 1);
    assert.ok(Number(stats.get('total_error_replies')) >= 1);
    const ks = after.get('Keyspace')!;
    assert.match(ks.get('db0')!, /^keys=2,expires=1,avg_ttl=\d+$/);
    const ttl = Number(/avg_ttl=(\d+)/.exec(ks.get('db0')!)![1]);
    assert.ok(ttl > 900_000 && ttl <= 1_000_000);
    assert.equal(ks.get('db3'), 'keys=1,expires=0,avg_ttl=0');
    const cs = after.get('Commandstats')!;
    assert.match(cs.get('cmdstat_set')!, /^calls=3,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$/);
    assert.match(cs.get('cmdstat_get')!, /^calls=2,/);
    assert.match(after.get('Errorstats')!.get('errorstat_ERR')!, /^count=\d+$/);
    assert.ok(Number(after.get('Persistence')!.get('rdb_changes_since_last_save')) >= 0);
  } finally {
    r.disconnect();
    await server.close();
  }
});

test('INFO in RESP3 is a verbatim string', async () => {
  const server = await startNodis();
  const r = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await r.call('HELLO', '3');
    const text = (await r.call('INFO', 'server')) as string;
    assert.match(text, /^(txt:)?# Server\r\n/);
  } finally {
    r.disconnect();
    await server.close();
  }
});
