import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { globMatch } from '../keyspace/glob.js';
import { outputLimitReached, scheduleCloseForOutputLimit, isClosingForOutputLimit } from '../server/output-limit.js';
import { publishKeyspaceEvent } from './notifications.js';

/** Which family a channel belongs to: global channels or shard channels (SSUBSCRIBE/SPUBLISH). */
export type ChannelKind = 'global' | 'shard';

/**
 * The server side of pub/sub (Redis's server.pubsub_channels, pubsub_patterns and
 * pubsubshard_channels): who listens to what. Each client keeps its own side in Client.channels,
 * patterns and shardChannels, which CLIENT LIST and INFO read.
 *
 * Messages go to the connection's own writer even under CLIENT REPLY OFF/SKIP, as Redis's
 * CLIENT_PUSHING lets them through. They are written at once (so a RESP3 client that publishes
 * to itself sees the push before PUBLISH's own reply, as in Redis), and subscribers are flushed
 * together once the current read batch is done.
 */
export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();
  private readonly pendingFlush = new Set<Client>();
  private flushQueued = false;

  constructor(readonly server: Server) {
    server.notifyHooks.push((type, event, key, dbid) => publishKeyspaceEvent(this, type, event, key, dbid));
    // RESET and disconnect leave every subscription quietly (no unsubscribe replies).
    server.resetClientHooks.push((c) => this.unsubscribeAll(c));
    server.closeClientHooks.push((c) => this.unsubscribeAll(c));
  }

  private serverMap(kind: ChannelKind): Map<string, Set<Client>> {
    return kind === 'global' ? this.channels : this.shardChannels;
  }

  /** Adds the subscription; false when the client already had it. */
  subscribe(c: Client, channel: string, kind: ChannelKind): boolean {
    const own = kind === 'global' ? c.channels : c.shardChannels;
    if (own.has(channel)) return false;
    own.add(channel);
    addTo(this.serverMap(kind), channel, c);
    return true;
  }

  unsubscribe(c: Client, channel: string, kind: ChannelKind): boolean {
    const own = kind === 'global' ? c.channels : c.shardChannels;
    if (!own.delete(channel)) return false;
    removeFrom(this.serverMap(kind), channel, c);
    return true;
  }

  psubscribe(c: Client, pattern: string): boolean {
    if (c.patterns.has(pattern)) return false;
    c.patterns.add(pattern);
    addTo(this.patterns, pattern, c);
    return true;
  }

  punsubscribe(c: Client, pattern: string): boolean {
    if (!c.patterns.delete(pattern)) return false;
    removeFrom(this.patterns, pattern, c);
    return true;
  }

  unsubscribeAll(c: Client): void {
    for (const ch of [...c.channels]) this.unsubscribe(c, ch, 'global');
    for (const ch of [...c.shardChannels]) this.unsubscribe(c, ch, 'shard');
    for (const p of [...c.patterns]) this.punsubscribe(c, p);
  }

  /**
   * pubsubPublishMessage: channel subscribers get `message` (or `smessage`), then, for global
   * channels, subscribers of every matching pattern get `pmessage`. Returns the receivers.
   */
  publish(channel: string, message: string, kind: ChannelKind): number {
    let receivers = 0;
    const subs = this.serverMap(kind).get(channel);
    if (subs) {
      const head = kind === 'global' ? '$7\r\nmessage\r\n' : '$8\r\nsmessage\r\n';
      for (const d of subs) {
        receivers++;
        if (isClosingForOutputLimit(d)) continue;
        const r = d.connReply;
        r.push(3);
        r.raw(head);
        r.bulk(channel);
        r.bulk(message);
        this.written(d);
      }
    }
    if (kind === 'shard' || this.patterns.size === 0) return receivers;
    for (const [pattern, clients] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      for (const d of clients) {
        receivers++;
        if (isClosingForOutputLimit(d)) continue;
        const r = d.connReply;
        r.push(4);
        r.raw('$8\r\npmessage\r\n');
        r.bulk(pattern);
        r.bulk(channel);
        r.bulk(message);
        this.written(d);
      }
    }
    return receivers;
  }

  /**
   * A message went into a subscriber's buffer: a subscriber that does not read may not grow it
   * without bound (client-output-buffer-limit), and the bytes leave once this batch is done.
   */
  private written(d: Client): void {
    if (outputLimitReached(d)) {
      scheduleCloseForOutputLimit(d);
      return;
    }
    this.pendingFlush.add(d);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flushPending());
    }
  }

  private flushPending(): void {
    this.flushQueued = false;
    const list = [...this.pendingFlush];
    this.pendingFlush.clear();
    for (const d of list) this.server.flush(d);
  }
}

function addTo(map: Map<string, Set<Client>>, name: string, c: Client): void {
  let set = map.get(name);
  if (set === undefined) {
    set = new Set();
    map.set(name, set);
  }
  set.add(c);
}

function removeFrom(map: Map<string, Set<Client>>, name: string, c: Client): void {
  const set = map.get(name);
  if (set === undefined) return;
  set.delete(c);
  // Forget channels nobody listens to, so clients cannot fill the server with dead ones.
  if (set.size === 0) map.delete(name);
}

const byServer = new WeakMap<Server, PubSub>();

/** The server's pub/sub state, made (and its hooks registered) on first use. */
export function pubsubOf(server: Server): PubSub {
  let ps = byServer.get(server);
  if (ps === undefined) {
    ps = new PubSub(server);
    byServer.set(server, ps);
  }
  return ps;
}

/** The state if it exists: with none, nobody is subscribed and publishing reaches no one. */
export function pubsubIfAny(server: Server): PubSub | undefined {
  return byServer.get(server);
}

/** Redis's CLIENT_PUBSUB flag: the client has some subscription left. */
export function inPubSubMode(c: Client): boolean {
  return c.channels.size !== 0 || c.patterns.size !== 0 || c.shardChannels.size !== 0;
}
