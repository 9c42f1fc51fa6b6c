import { before, after, beforeEach } from 'node:test';
import { Redis, type RedisOptions } from 'ioredis';
import { startNodis, startRedis, haveRedisServer, type RunningRedis } from './servers.js';
import type { Server } from '../../src/index.js';
import { NOTIFY } from '../../src/keyspace/notify.js';

// The shared setup of the integration tests: a Nodis per test file (and, for the files that
// compare, a real redis-server beside it), clients, the keyspace events and modified-key signals
// Nodis fired since the last test, and the reference's own events for the same commands.

/** Tests that need the reference redis-server are skipped where it is not installed. */
export const skipRedis = !haveRedisServer();

/** A command as a test writes it; numbers are sent as their decimal text. */
export type Cmd = (string | number)[];

/** An ioredis client, connected by the caller; no ready check (it needs INFO, which a test may not want). */
export function testClient(port: number, options: RedisOptions = {}): Redis {
  return new Redis({ port, lazyConnect: true, enableReadyCheck: false, ...options });
}

/** Runs commands in order, returning every reply (errors as their message). */
export async function run(client: Redis, cmds: readonly Cmd[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [name, ...args] of cmds) {
    try {
      out.push(await client.call(String(name), ...args.map(String)));
    } catch (e) {
      out.push((e as Error).message);
    }
  }
  return out;
}

/**
 * The keyevent notifications (db 0) that the Redis of `client`, started with
 * notify-keyspace-events KEA, publishes while `body` runs, as "event key", in order. `client` then
 * SETs "end-marker", which tells when the last one has arrived; its own event is left out.
 */
export async function redisKeyevents(client: Redis, body: () => Promise<unknown>): Promise<string[]> {
  // A second connection with the same options: a subscribed one cannot send commands.
  const sub = client.duplicate();
  await sub.connect();
  const got: string[] = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  sub.on('pmessage', (_p: string, channel: string, key: string) => {
    const event = channel.slice(channel.indexOf(':') + 1);
    if (key === 'end-marker') done();
    else got.push(`${event} ${key}`);
  });
  await sub.psubscribe('__keyevent@0__:*');
  await body();
  await client.set('end-marker', '1');
  await finished;
  sub.disconnect();
  return got;
}

/** A number field of an INFO text ("name:123"). */
export function infoNumber(info: string, name: string): number {
  return Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)![1]);
}

/** rdb_changes_since_last_save: the dirty counter as a client sees it. */
export async function dirtyOf(c: Redis): Promise<number> {
  return infoNumber(await c.info('persistence'), 'rdb_changes_since_last_save');
}

/** The keyspace_hits and keyspace_misses lines of INFO stats, as text to compare. */
export async function hitsAndMisses(c: Redis): Promise<string[]> {
  return (await c.info('stats')).split('\r\n').filter((l) => /^keyspace_(hits|misses):/.test(l));
}

/** What CompareEnv.counters reads of one server. */
export interface Counters {
  /** The keyspace_hits and keyspace_misses lines of INFO stats. */
  hitsAndMisses: string[];
  /** How much rdb_changes_since_last_save grew. */
  dirty: number;
}

/** How a Nodis keyspace event is recorded in `events`; null leaves it out. */
export type EventFormat = (type: number, event: string, key: string, dbid: number) => string | null;

/** "event key" for what Redis publishes with notify-keyspace-events KEA: every class but keymiss and "new". */
export const keaEvents: EventFormat = (type, event, key) => (type & (NOTIFY.keyMiss | NOTIFY.newKey) ? null : `${event} ${key}`);

export interface NodisEnvOptions {
  /** How events are recorded; KEA's by default. */
  events?: EventFormat;
  /** Extra options of the clients this setup makes. */
  client?: RedisOptions;
}

function started<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`${what} is used before the before() hook started it`);
  return v;
}

/** The Nodis of a test file, its client, and what it fired since the last test began. */
export class NodisEnv {
  /** Keyspace events since the last reset, as the EventFormat records them. */
  events: string[] = [];
  /** Keys signalled as modified (WATCH, tracking, blocked clients) since the last reset. */
  modified: string[] = [];
  protected startedServer: Server | undefined;
  protected startedNodis: Redis | undefined;

  constructor(protected readonly options: NodisEnvOptions) {}

  get server(): Server {
    return started(this.startedServer, 'server');
  }

  /** The client of Nodis. */
  get nodis(): Redis {
    return started(this.startedNodis, 'nodis');
  }

  /** A client with this setup's options. */
  client(port: number): Redis {
    return testClient(port, this.options.client);
  }

  async start(): Promise<void> {
    const server = await startNodis();
    this.startedServer = server;
    const format = this.options.events ?? keaEvents;
    server.notifyHooks.push((type, event, key, dbid) => {
      const e = format(type, event, key, dbid);
      if (e !== null) this.events.push(e);
    });
    server.keyModifiedHooks.push((_db, key) => this.modified.push(key));
    this.startedNodis = this.client(server.port);
    await this.startedNodis.connect();
  }

  async stop(): Promise<void> {
    this.startedNodis?.disconnect();
    await this.startedServer?.close();
  }

  /** Empties every database and forgets the events and signals so far. */
  async reset(): Promise<void> {
    await this.nodis.flushall();
    this.events = [];
    this.modified = [];
  }
}

/** NodisEnv with a real redis-server (notify-keyspace-events KEA) to compare against. */
export class CompareEnv extends NodisEnv {
  private startedRef: RunningRedis | undefined;
  private startedRedis: Redis | undefined;

  /** The reference redis-server; undefined where it is not installed. */
  get ref(): RunningRedis | undefined {
    return this.startedRef;
  }

  /** The client of the reference; undefined where it is not installed. */
  get redis(): Redis | undefined {
    return this.startedRedis;
  }

  override async start(): Promise<void> {
    await super.start();
    if (skipRedis) return;
    this.startedRef = await startRedis({ 'notify-keyspace-events': 'KEA' });
    this.startedRedis = this.client(this.startedRef.port);
    await this.startedRedis.connect();
  }

  override async stop(): Promise<void> {
    this.startedNodis?.disconnect();
    this.startedRedis?.disconnect();
    await this.startedServer?.close();
    await this.startedRef?.stop();
  }

  override async reset(): Promise<void> {
    await this.nodis.flushall();
    await this.startedRedis?.flushall();
    this.events = [];
    this.modified = [];
  }

  /**
   * Runs `cmds` on the reference and then on Nodis, after CONFIG RESETSTAT on both: each one's
   * keyspace_hits and keyspace_misses lines, and how much its dirty counter grew.
   */
  async counters(cmds: readonly Cmd[]): Promise<{ nodis: Counters; redis: Counters }> {
    const redis = started(this.startedRedis, 'redis');
    const nodis = this.nodis;
    await redis.config('RESETSTAT');
    await nodis.config('RESETSTAT');
    const before = { r: await dirtyOf(redis), n: await dirtyOf(nodis) };
    await run(redis, cmds);
    await run(nodis, cmds);
    const hm = { n: await hitsAndMisses(nodis), r: await hitsAndMisses(redis) };
    return {
      nodis: { hitsAndMisses: hm.n, dirty: (await dirtyOf(nodis)) - before.n },
      redis: { hitsAndMisses: hm.r, dirty: (await dirtyOf(redis)) - before.r },
    };
  }

  /** The keyevent notifications the reference publishes for `cmds` (or while `body` runs), in order. */
  async redisEvents(what: readonly Cmd[] | (() => Promise<unknown>)): Promise<string[]> {
    const redis = started(this.startedRedis, 'redis');
    return redisKeyevents(redis, typeof what === 'function' ? what : () => run(redis, what));
  }
}

/** Registers this file's hooks: Nodis started before its tests, flushed before each, stopped after. */
function useEnv<E extends NodisEnv>(env: E): E {
  before(() => env.start());
  after(() => env.stop());
  beforeEach(() => env.reset());
  return env;
}

/** A Nodis for this test file (see NodisEnv). */
export function useNodis(options: NodisEnvOptions = {}): NodisEnv {
  return useEnv(new NodisEnv(options));
}

/** A Nodis and a reference redis-server for this test file (see CompareEnv). */
export function useNodisAndRedis(options: NodisEnvOptions = {}): CompareEnv {
  return useEnv(new CompareEnv(options));
}
