import type { CommandDef } from '../commands/table.js';
import type { Client } from '../server/client.js';
import { connectionHooks } from '../commands/connection.js';
import { replyHelp } from '../commands/command.js';
import { globMatch } from '../keyspace/glob.js';
import { subcommandSyntaxError } from '../errors.js';
import { inPubSubMode, pubsubIfAny, pubsubOf, type ChannelKind } from './pubsub.js';
import { monitorCommand } from './monitor.js';

// PING answers RESP2 subscribers with an array, as Redis does.
connectionHooks.subscribed = inPubSubMode;

/** clientSubscriptionsCount: channels plus patterns (shard channels are counted apart). */
function globalCount(c: Client): number {
  return c.channels.size + c.patterns.size;
}

/**
 * A subscribe/unsubscribe confirmation: a push frame in RESP3, an array in RESP2. Like messages it
 * is sent even under CLIENT REPLY OFF/SKIP (Redis's CLIENT_PUSHING), so it bypasses `c.reply`.
 */
function confirm(c: Client, kind: string, name: string | null, count: number): void {
  const r = c.connReply;
  r.push(3);
  r.bulk(kind);
  if (name === null) r.null();
  else r.bulk(name);
  r.int(count);
}

function subscribe(c: Client, argv: string[]): void {
  // A script expects one reply per command (CLIENT_DENY_BLOCKING); MULTI is let through.
  if (c.inScript) {
    c.reply.error("ERR SUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  const ps = pubsubOf(c.server);
  for (let j = 1; j < argv.length; j++) {
    ps.subscribe(c, argv[j]!, 'global');
    confirm(c, 'subscribe', argv[j]!, globalCount(c));
  }
}

function psubscribe(c: Client, argv: string[]): void {
  if (c.inScript) {
    c.reply.error("ERR PSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  const ps = pubsubOf(c.server);
  for (let j = 1; j < argv.length; j++) {
    ps.psubscribe(c, argv[j]!);
    confirm(c, 'psubscribe', argv[j]!, globalCount(c));
  }
}

function ssubscribe(c: Client, argv: string[]): void {
  // Unlike SUBSCRIBE, SSUBSCRIBE is refused inside MULTI too.
  if (c.inScript || c.inExec) {
    c.reply.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  const ps = pubsubOf(c.server);
  for (let j = 1; j < argv.length; j++) {
    ps.subscribe(c, argv[j]!, 'shard');
    confirm(c, 'ssubscribe', argv[j]!, c.shardChannels.size);
  }
}

/**
 * UNSUBSCRIBE / SUNSUBSCRIBE: each named channel is confirmed whether or not it was subscribed;
 * with no names every subscription is dropped, and a client that had none still gets one
 * confirmation with a null channel.
 */
function unsubscribeKind(c: Client, argv: string[], kind: ChannelKind): void {
  const ps = pubsubOf(c.server);
  const own = kind === 'global' ? c.channels : c.shardChannels;
  const label = kind === 'global' ? 'unsubscribe' : 'sunsubscribe';
  const count = (): number => (kind === 'global' ? globalCount(c) : c.shardChannels.size);
  if (argv.length === 1) {
    if (own.size === 0) confirm(c, label, null, count());
    for (const ch of [...own]) {
      ps.unsubscribe(c, ch, kind);
      confirm(c, label, ch, count());
    }
    return;
  }
  for (let j = 1; j < argv.length; j++) {
    ps.unsubscribe(c, argv[j]!, kind);
    confirm(c, label, argv[j]!, count());
  }
}

function punsubscribe(c: Client, argv: string[]): void {
  const ps = pubsubOf(c.server);
  if (argv.length === 1) {
    if (c.patterns.size === 0) confirm(c, 'punsubscribe', null, globalCount(c));
    for (const p of [...c.patterns]) {
      ps.punsubscribe(c, p);
      confirm(c, 'punsubscribe', p, globalCount(c));
    }
    return;
  }
  for (let j = 1; j < argv.length; j++) {
    ps.punsubscribe(c, argv[j]!);
    confirm(c, 'punsubscribe', argv[j]!, globalCount(c));
  }
}

function publishKind(c: Client, argv: string[], kind: ChannelKind): void {
  const ps = pubsubIfAny(c.server);
  c.reply.int(ps ? ps.publish(argv[1]!, argv[2]!, kind) : 0);
}

/** PUBSUB CHANNELS / SHARDCHANNELS [pattern]: active channels, optionally filtered. */
function channelList(c: Client, argv: string[], kind: ChannelKind): void {
  if (argv.length > 3) {
    c.reply.error(subcommandSyntaxError(argv[1]!, 'pubsub'));
    return;
  }
  const ps = pubsubIfAny(c.server);
  const map = ps ? (kind === 'global' ? ps.channels : ps.shardChannels) : undefined;
  const out: string[] = [];
  if (map) {
    const pat = argv.length === 3 ? argv[2]! : null;
    for (const ch of map.keys()) if (pat === null || globMatch(pat, ch)) out.push(ch);
  }
  c.reply.bulkArray(out);
}

/** PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: subscribers of each channel (patterns not counted). */
function numsub(c: Client, argv: string[], kind: ChannelKind): void {
  const ps = pubsubIfAny(c.server);
  const map = ps ? (kind === 'global' ? ps.channels : ps.shardChannels) : undefined;
  const r = c.reply;
  r.array((argv.length - 2) * 2);
  for (let j = 2; j < argv.length; j++) {
    r.bulk(argv[j]!);
    r.int(map?.get(argv[j]!)?.size ?? 0);
  }
}

const PUBSUB_HELP = [
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
];

export const pubsubCommands: CommandDef[] = [
  { name: 'subscribe', handler: subscribe },
  { name: 'unsubscribe', handler: (c, argv) => unsubscribeKind(c, argv, 'global') },
  { name: 'psubscribe', handler: psubscribe },
  { name: 'punsubscribe', handler: punsubscribe },
  { name: 'ssubscribe', handler: ssubscribe },
  { name: 'sunsubscribe', handler: (c, argv) => unsubscribeKind(c, argv, 'shard') },
  { name: 'publish', handler: (c, argv) => publishKind(c, argv, 'global') },
  { name: 'spublish', handler: (c, argv) => publishKind(c, argv, 'shard') },
  { name: 'pubsub|channels', handler: (c, argv) => channelList(c, argv, 'global') },
  { name: 'pubsub|shardchannels', handler: (c, argv) => channelList(c, argv, 'shard') },
  { name: 'pubsub|numsub', handler: (c, argv) => numsub(c, argv, 'global') },
  { name: 'pubsub|shardnumsub', handler: (c, argv) => numsub(c, argv, 'shard') },
  { name: 'pubsub|numpat', handler: (c) => c.reply.int(pubsubIfAny(c.server)?.patterns.size ?? 0) },
  { name: 'pubsub|help', handler: (c, argv) => replyHelp(c, argv, PUBSUB_HELP) },
  { name: 'monitor', handler: monitorCommand },
];
