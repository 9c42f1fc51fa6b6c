import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import type { Server } from '../../src/index.js';

// ACL rules through ioredis: keys (read vs write patterns), channels, commands and subcommands,
// selectors, the ACL LOG they leave, and the clients ACL changes disconnect.

let server: Server;

before(async () => {
  server = await startNodis();
});

after(async () => {
  await server.close();
});

async function connect(user?: string, password?: string): Promise<Redis> {
  const c = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0, enableReadyCheck: false, retryStrategy: () => null, ...(user ? { username: user, password } : {}) });
  await c.connect();
  return c;
}

function closed(c: Redis): Promise<void> {
  return new Promise((resolve) => c.once('end', () => resolve()));
}

const NOPERM_KEY = /NOPERM this user has no permissions to access one of the keys used as arguments$/;
const NOPERM_CHANNEL = /NOPERM this user has no permissions to access one of the channels used as arguments$/;

test('keys: read patterns allow reads only, write patterns writes only, ~ both', async () => {
  const admin = await connect();
  await admin.acl('SETUSER', 'kv', 'on', '>pw', '+@all', '-@dangerous', '~both:*', '%R~ro:*', '%W~wo:*');
  await admin.mset('ro:1', 'a', 'wo:1', 'b', 'both:1', 'c', 'other', 'd');
  const u = await connect('kv', 'pw');
  try {
    assert.equal(await u.get('ro:1'), 'a');
    assert.equal(await u.get('both:1'), 'c');
    await assert.rejects(u.get('wo:1'), NOPERM_KEY);
    await assert.rejects(u.get('other'), NOPERM_KEY);
    assert.equal(await u.set('wo:1', 'x'), 'OK');
    await assert.rejects(u.set('ro:1', 'x'), NOPERM_KEY);
    // SET ... GET reads too: a write-only key refuses it.
    await assert.rejects(u.set('wo:1', 'y', 'GET'), NOPERM_KEY);
    // COPY reads its source and writes its destination.
    assert.equal(await u.copy('ro:1', 'wo:2'), 1);
    await assert.rejects(u.copy('wo:1', 'ro:2'), NOPERM_KEY);
    // DEL deletes: it needs write permission.
    await assert.rejects(u.del('ro:1'), NOPERM_KEY);
    assert.equal(await u.del('wo:2'), 1);
    assert.deepEqual(await u.mget('ro:1', 'both:1'), ['a', 'c']);
    await assert.rejects(u.mget('ro:1', 'wo:1'), NOPERM_KEY);
    // Nothing was written by the refused commands.
    assert.equal(await admin.get('ro:1'), 'a');
    const log = (await admin.acl('LOG', '1')) as unknown[][];
    // The four refusals on wo:1 are one entry, counted.
    assert.deepEqual(log[0]!.slice(0, 10), ['count', 4, 'reason', 'key', 'context', 'toplevel', 'object', 'wo:1', 'username', 'kv']);
  } finally {
    u.disconnect();
    admin.disconnect();
  }
});

test('commands and subcommands: +cmd, -cmd, +@category, +cmd|sub, first-arg rules', async () => {
  const admin = await connect();
  await admin.acl('SETUSER', 'cmd', 'on', '>pw', '~*', '-@all', '+@string', '-incr', '+config|get', '+client|id', '+select|0');
  const u = await connect('cmd', 'pw');
  try {
    assert.equal(await u.set('k', '1'), 'OK');
    assert.equal(await u.incrby('k', 2), 3);
    await assert.rejects(u.incr('k'), /NOPERM this user has no permissions to run the 'incr' command$/);
    await assert.rejects(u.hset('h', 'f', 'v'), /NOPERM this user has no permissions to run the 'hset' command$/);
    assert.deepEqual(await u.config('GET', 'maxmemory'), ['maxmemory', '0']);
    await assert.rejects(u.config('SET', 'maxmemory', '0'), /NOPERM this user has no permissions to run the 'config\|set' command$/);
    assert.equal(typeof (await u.client('ID')), 'number');
    await assert.rejects(u.client('LIST'), /'client\|list' command/);
    assert.equal(await u.select(0), 'OK');
    await assert.rejects(u.select(1), /'select' command/);
    assert.equal(await u.acl('DRYRUN', 'cmd', 'incr', 'k').catch((e: Error) => e.message), "NOPERM this user has no permissions to run the 'acl|dryrun' command");
    assert.equal(await admin.acl('DRYRUN', 'cmd', 'incr', 'k'), "This user has no permissions to run the 'incr' command");
    assert.equal(await admin.acl('DRYRUN', 'cmd', 'incrby', 'k', '1'), 'OK');
    const user = (await admin.call('ACL', 'GETUSER', 'cmd')) as unknown[];
    // Single commands follow the categories; Redis orders them by its hash table, so compare as a set.
    const rules = String(user[5]).split(' ');
    assert.deepEqual(rules.slice(0, 2), ['-@all', '+@string']);
    assert.deepEqual(rules.slice(2).sort(), ['+client|id', '+config|get', '+select|0', '-incr']);
    // Permissions given back take effect on the next command.
    await admin.acl('SETUSER', 'cmd', '+incr');
    assert.equal(await u.incr('k'), 4);
  } finally {
    u.disconnect();
    admin.disconnect();
  }
});

test('selectors: any selector may allow a command; the root selector is not required', async () => {
  const admin = await connect();
  await admin.acl('SETUSER', 'sel', 'on', '>pw', '-@all', '+get', '~a:*', '(+set ~b:*)', '(+get +set %R~c:*)');
  const u = await connect('sel', 'pw');
  try {
    assert.equal(await u.get('a:1'), null);
    assert.equal(await u.set('b:1', 'v'), 'OK');
    assert.equal(await u.get('c:1'), null);
    await assert.rejects(u.get('b:1'), NOPERM_KEY);
    await assert.rejects(u.set('a:1', 'v'), NOPERM_KEY);
    await assert.rejects(u.set('c:1', 'v'), NOPERM_KEY);
    await assert.rejects(u.del('a:1'), /'del' command/);
    const user = (await admin.call('ACL', 'GETUSER', 'sel')) as unknown[];
    assert.deepEqual(user[11], [
      ['commands', '-@all +set', 'keys', '~b:*', 'channels', ''],
      ['commands', '-@all +get +set', 'keys', '%R~c:*', 'channels', ''],
    ]);
    await admin.acl('SETUSER', 'sel', 'clearselectors');
    await assert.rejects(u.set('b:1', 'v'), /'set' command/);
  } finally {
    u.disconnect();
    admin.disconnect();
  }
});

test('channels: SUBSCRIBE and PUBLISH refused; a subscriber whose channel permission is removed is disconnected', async () => {
  const admin = await connect();
  await admin.acl('SETUSER', 'ps', 'on', '>pw', '+@all', '~*', 'resetchannels', '&news:*', '&alerts');
  const sub = await connect('ps', 'pw');
  const pub = await connect('ps', 'pw');
  const other = await connect('ps', 'pw');
  try {
    await assert.rejects(sub.subscribe('sport'), NOPERM_CHANNEL);
    await assert.rejects(sub.psubscribe('news*'), NOPERM_CHANNEL);
    await assert.rejects(pub.publish('sport', 'x'), NOPERM_CHANNEL);
    assert.equal(await sub.subscribe('news:1', 'alerts'), 2);
    assert.equal(await other.subscribe('alerts'), 1);
    const got = new Promise<[string, string]>((resolve) => sub.once('message', (ch: string, m: string) => resolve([ch, m])));
    assert.equal(await pub.publish('news:1', 'hello'), 1);
    assert.deepEqual(await got, ['news:1', 'hello']);
    // Keeping every channel pattern (and adding one) disconnects nobody.
    await admin.acl('SETUSER', 'ps', '&more');
    assert.equal(await pub.publish('alerts', 'still'), 2);
    // news:* is taken away: the client subscribed to news:1 goes, the one on alerts stays.
    const subClosed = closed(sub);
    await admin.acl('SETUSER', 'ps', 'resetchannels', '&alerts');
    await subClosed;
    assert.equal(await pub.publish('alerts', 'x'), 1);
    const clients = (await admin.client('LIST')) as string;
    assert.equal(clients.split('\n').filter((l) => / user=ps /.test(l)).length, 2);
    // A client that is not subscribed stays connected whatever the channels.
    const otherClosed = closed(other);
    await admin.acl('SETUSER', 'ps', 'resetchannels');
    await otherClosed;
    assert.equal(await pub.ping(), 'PONG');
  } finally {
    sub.disconnect();
    pub.disconnect();
    other.disconnect();
    admin.disconnect();
  }
});

test('DELUSER closes the connections of the user; CLIENT KILL USER; AUTH failures logged', async () => {
  const admin = await connect();
  await admin.acl('LOG', 'RESET');
  await admin.acl('SETUSER', 'gone', 'on', '>pw', '+@all', '~*');
  const u = await connect('gone', 'pw');
  const u2 = await connect('gone', 'pw');
  try {
    assert.equal(await u.acl('WHOAMI'), 'gone');
    assert.equal(await admin.client('KILL', 'USER', 'gone'), 2);
    await assert.rejects(admin.client('KILL', 'USER', 'nosuch'), /ERR No such user 'nosuch'$/);
    const again = await connect('gone', 'pw');
    const end = closed(again);
    assert.equal(await admin.acl('DELUSER', 'gone', 'nosuch'), 1);
    await end;
    assert.equal(await rawReply(server.port, 'AUTH', 'gone', 'pw'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    const log = (await admin.acl('LOG')) as unknown[][];
    assert.deepEqual(log[0]!.slice(0, 10), ['count', 1, 'reason', 'auth', 'context', 'toplevel', 'object', 'AUTH', 'username', 'gone']);
    assert.equal(log[0]![10], 'age-seconds');
    assert.match(String(log[0]![13]), /^id=\d+ addr=.* cmd=auth user=default /);
  } finally {
    u.disconnect();
    u2.disconnect();
    admin.disconnect();
  }
});

test('requirepass is the default user password; CONFIG SET requirepass at run time', async () => {
  const s = await startNodis({ requirepass: 'sekret' });
  try {
    // (ioredis opens with HELLO 3, which fails without the password: the raw client shows NOAUTH.)
    assert.equal(await rawReply(s.port, 'GET', 'k'), '-NOAUTH Authentication required.\r\n');
    assert.equal(await rawReply(s.port, 'AUTH', 'wrong'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    const r = new Redis({ port: s.port, password: 'sekret', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await r.connect();
    const user = (await r.call('ACL', 'GETUSER', 'default')) as unknown[];
    assert.deepEqual(user.slice(0, 4), ['flags', ['on'], 'passwords', [hashOf('sekret')]]);
    await r.config('SET', 'requirepass', '');
    const open = new Redis({ port: s.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await open.connect();
    assert.equal(await open.ping(), 'PONG');
    assert.deepEqual(await open.acl('LIST'), ['user default on nopass ~* &* +@all']);
    open.disconnect();
    r.disconnect();
  } finally {
    await s.close();
  }
});

/** One command on a fresh raw connection: the reply's bytes. */
async function rawReply(port: number, ...argv: string[]): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    const r = await c.call(...argv);
    return r === null ? 'closed' : r.raw.latin1Slice(0, r.raw.length);
  } finally {
    c.close();
  }
}

function hashOf(p: string): string {
  return crypto.createHash('sha256').update(p).digest('hex');
}
