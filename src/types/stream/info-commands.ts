import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR, cstr, subcommandSyntaxError } from '../../errors.js';
import { isOpt } from '../../commands/args.js';
import { replyHelp } from '../../commands/command.js';
import { lookupRead } from '../../keyspace/lookup.js';
import { parseInteger } from '../../protocol/number-format.js';
import { StreamValue, ENTRIES_READ_INVALID, type ConsumerGroup } from './stream-value.js';
import { formatId, MAX_ID, MIN_ID, type I64 } from './stream-id.js';
import { collectRange, replyEntry } from './stream-ops.js';
import { groupLag } from './group-ops.js';

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

/** lookupKeyReadOrReply(nokeyerr) + checkType: the stream, or null after replying. */
function infoStream(c: Client, key: string): StreamValue | null {
  const o = lookupRead(c, key);
  if (o === undefined) {
    c.reply.error(ERR.noKey);
    return null;
  }
  if (!(o instanceof StreamValue)) {
    c.reply.error(ERR.wrongType);
    return null;
  }
  return o;
}

function bulkPair(c: Client, name: string, v: string): void {
  c.reply.bulk(name);
  c.reply.bulk(v);
}

function intPair(c: Client, name: string, v: I64): void {
  c.reply.bulk(name);
  c.reply.int(v);
}

function entriesReadPair(c: Client, s: StreamValue, g: ConsumerGroup): void {
  c.reply.bulk('entries-read');
  if (g.entriesRead !== ENTRIES_READ_INVALID) c.reply.int(g.entriesRead);
  else c.reply.null();
  c.reply.bulk('lag');
  const lag = groupLag(s, g);
  if (lag === null) c.reply.null();
  else c.reply.int(lag);
}

function xinfoConsumers(c: Client, argv: string[]): void {
  const s = infoStream(c, argv[2]!);
  if (s === null) return;
  const g = s.groups.get(argv[3]!);
  if (g === undefined) {
    c.reply.error(`NOGROUP No such consumer group '${cstr(argv[3]!, Infinity)}' for key name '${cstr(argv[2]!, Infinity)}'`);
    return;
  }
  const consumers = g.consumersInOrder();
  const now = Date.now();
  c.reply.array(consumers.length);
  for (const cons of consumers) {
    c.reply.map(3);
    bulkPair(c, 'name', cons.name);
    intPair(c, 'pending', cons.pel.size);
    intPair(c, 'idle', Math.max(0, now - cons.seenTime));
  }
}

function xinfoGroups(c: Client, argv: string[]): void {
  const s = infoStream(c, argv[2]!);
  if (s === null) return;
  const groups = s.groupsInOrder();
  c.reply.array(groups.length);
  for (const g of groups) {
    c.reply.map(6);
    bulkPair(c, 'name', g.name);
    intPair(c, 'consumers', g.consumers.size);
    intPair(c, 'pending', g.pel.size);
    bulkPair(c, 'last-delivered-id', formatId(g.lastId));
    entriesReadPair(c, s, g);
  }
}

/** XINFO STREAM key [FULL [COUNT count]] (xinfoReplyWithStreamInfo). */
function xinfoStream(c: Client, argv: string[]): void {
  const s = infoStream(c, argv[2]!);
  if (s === null) return;
  const argc = argv.length - 2;
  let full = true;
  let count = 10;
  if (argc === 1) {
    full = false;
  } else if (argc === 2 || argc === 4) {
    if (!isOpt(argv[3]!, 'full')) {
      c.reply.error(subcommandSyntaxError(argv[1]!, 'xinfo'));
      return;
    }
    if (argc === 4) {
      if (!isOpt(argv[4]!, 'count')) {
        c.reply.error(subcommandSyntaxError(argv[1]!, 'xinfo'));
        return;
      }
      const n = parseInteger(argv[5]!);
      if (n === null) {
        c.reply.error(ERR.notInteger);
        return;
      }
      count = n < 0 ? 10 : n;
    }
  } else {
    c.reply.error(subcommandSyntaxError(argv[1]!, 'xinfo'));
    return;
  }
  const r = c.reply;
  r.map(full ? 9 : 10);
  intPair(c, 'length', s.length);
  intPair(c, 'radix-tree-keys', s.nodes.length);
  intPair(c, 'radix-tree-nodes', s.raxNodeCount());
  bulkPair(c, 'last-generated-id', formatId(s.lastId));
  bulkPair(c, 'max-deleted-entry-id', formatId(s.maxDeletedId));
  intPair(c, 'entries-added', s.entriesAdded);
  bulkPair(c, 'recorded-first-entry-id', formatId(s.firstId));
  if (!full) {
    intPair(c, 'groups', s.groups.size);
    for (const [name, rev] of [['first-entry', false], ['last-entry', true]] as const) {
      r.bulk(name);
      const e = collectRange(s, MIN_ID, MAX_ID, rev, 1)[0];
      if (e === undefined) r.null();
      else replyEntry(c, e[0], e[1]);
    }
    return;
  }
  r.bulk('entries');
  const entries = collectRange(s, MIN_ID, MAX_ID, false, count);
  r.array(entries.length);
  for (const [id, fv] of entries) replyEntry(c, id, fv);
  r.bulk('groups');
  const groups = s.groupsInOrder();
  r.array(groups.length);
  for (const g of groups) {
    r.map(7);
    bulkPair(c, 'name', g.name);
    bulkPair(c, 'last-delivered-id', formatId(g.lastId));
    entriesReadPair(c, s, g);
    intPair(c, 'pel-count', g.pel.size);
    r.bulk('pending');
    const n = count ? Math.min(count, g.pel.size) : g.pel.size;
    r.array(n);
    for (let i = 0; i < n; i++) {
      const nack = g.pel.valueAt(i);
      r.array(4);
      r.bulk(formatId(nack.id));
      r.bulk(nack.consumer.name);
      r.int(nack.deliveryTime);
      r.int(nack.deliveryCount);
    }
    const consumers = g.consumersInOrder();
    r.bulk('consumers');
    r.array(consumers.length);
    for (const cons of consumers) {
      r.map(4);
      bulkPair(c, 'name', cons.name);
      intPair(c, 'seen-time', cons.seenTime);
      intPair(c, 'pel-count', cons.pel.size);
      r.bulk('pending');
      const m = count ? Math.min(count, cons.pel.size) : cons.pel.size;
      r.array(m);
      for (let i = 0; i < m; i++) {
        const nack = cons.pel.valueAt(i);
        r.array(3);
        r.bulk(formatId(nack.id));
        r.int(nack.deliveryTime);
        r.int(nack.deliveryCount);
      }
    }
  }
}

export const streamInfoCommands: CommandDef[] = [
  { name: 'xinfo|consumers', handler: xinfoConsumers },
  { name: 'xinfo|groups', handler: xinfoGroups },
  { name: 'xinfo|stream', handler: xinfoStream },
  { name: 'xinfo|help', handler: (c, argv) => replyHelp(c, argv, XINFO_HELP) },
];
