import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR, cstr, subcommandSyntaxError } from '../../errors.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { isOpt } from '../../commands/args.js';
import { replyHelp } from '../../commands/command.js';
import { lookupRead } from '../../keyspace/lookup.js';
import { StreamValue, ENTRIES_READ_INVALID, type ConsumerGroup } from './stream-value.js';
import { compareIds, decrId, formatId, incrId, MIN_ID, U64_MAX, type I64, type StreamID } from './stream-id.js';
import { exactLongArg, idArg, longArg, strictIdArg, streamForWrite } from './stream-ops.js';
import { createConsumer, lookupConsumer } from './group-ops.js';

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

interface GroupTarget {
  s: StreamValue | undefined;
  g: ConsumerGroup | undefined;
  mkstream: boolean;
  entriesRead: I64;
}

/**
 * xgroupCommand's common part for every subcommand but HELP: options (CREATE's MKSTREAM and
 * ENTRIESREAD, SETID's ENTRIESREAD), then the key, which must exist unless MKSTREAM, and the
 * group, which SETID, CREATECONSUMER and DELCONSUMER need. Null after replying.
 */
function groupTarget(c: Client, argv: string[]): GroupTarget | null {
  const sub = argv[1]!.toLowerCase();
  let mkstream = false;
  let entriesRead: I64 = ENTRIES_READ_INVALID;
  if (sub === 'create' || sub === 'setid') {
    for (let i = 5; i < argv.length; ) {
      if (sub === 'create' && isOpt(argv[i]!, 'mkstream')) {
        mkstream = true;
        i++;
      } else if (isOpt(argv[i]!, 'entriesread') && i + 1 < argv.length) {
        const n = exactLongArg(c, argv[i + 1]!);
        if (n === null) return null;
        if (n < 0 && n !== ENTRIES_READ_INVALID) {
          c.reply.error('ERR value for ENTRIESREAD must be positive or -1');
          return null;
        }
        entriesRead = n;
        i += 2;
      } else {
        c.reply.error(subcommandSyntaxError(argv[1]!, 'xgroup'));
        return null;
      }
    }
  }
  const key = argv[2]!;
  const s = streamForWrite(c, key);
  if (s === null) return null;
  const g = s?.groups.get(argv[3]!);
  if (!mkstream) {
    if (s === undefined) {
      c.reply.error('ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.');
      return null;
    }
    if (g === undefined && (sub === 'setid' || sub === 'createconsumer' || sub === 'delconsumer')) {
      c.reply.error(`NOGROUP No such consumer group '${cstr(argv[3]!, Infinity)}' for key name '${cstr(key, Infinity)}'`);
      return null;
    }
  }
  return { s, g, mkstream, entriesRead };
}

function xgroupCreate(c: Client, argv: string[]): void {
  const t = groupTarget(c, argv);
  if (t === null) return;
  if (argv.length > 8) {
    c.reply.error(subcommandSyntaxError(argv[1]!, 'xgroup'));
    return;
  }
  const key = argv[2]!;
  let id: StreamID | null;
  if (argv[4] === '$') id = t.s !== undefined ? t.s.lastId : MIN_ID;
  else if ((id = strictIdArg(c, argv[4]!)) === null) return;
  let s = t.s;
  if (s === undefined) {
    s = new StreamValue();
    c.db.add(key, s);
  }
  if (s.groups.has(argv[3]!)) {
    c.reply.error('BUSYGROUP Consumer Group name already exists');
    return;
  }
  s.createGroup(argv[3]!, id, t.entriesRead);
  c.reply.ok();
  c.server.dirty++;
  c.server.notify(NOTIFY.stream, 'xgroup-create', key, c.db.id);
}

function xgroupSetid(c: Client, argv: string[]): void {
  const t = groupTarget(c, argv);
  if (t === null) return;
  if (argv.length !== 5 && argv.length !== 7) {
    c.reply.error(subcommandSyntaxError(argv[1]!, 'xgroup'));
    return;
  }
  let id: StreamID | null;
  if (argv[4] === '$') id = t.s!.lastId;
  else if ((id = idArg(c, argv[4]!)) === null) return;
  const g = t.g!;
  g.lastId = id;
  g.entriesRead = t.entriesRead;
  c.reply.ok();
  c.server.dirty++;
  c.server.notify(NOTIFY.stream, 'xgroup-setid', argv[2]!, c.db.id);
}

function xgroupDestroy(c: Client, argv: string[]): void {
  const t = groupTarget(c, argv);
  if (t === null) return;
  if (t.g === undefined) {
    c.reply.int(0);
    return;
  }
  t.s!.groups.delete(argv[3]!);
  c.reply.int(1);
  c.server.dirty++;
  c.server.notify(NOTIFY.stream, 'xgroup-destroy', argv[2]!, c.db.id);
  // Readers blocked on the group get NOGROUP (signalKeyAsReady: WATCH does not hear of it).
  c.server.blocking.signal(c.db, argv[2]!);
}

function xgroupCreateConsumer(c: Client, argv: string[]): void {
  const t = groupTarget(c, argv);
  if (t === null) return;
  const g = t.g!;
  if (g.consumers.has(argv[4]!)) {
    c.reply.int(0);
    return;
  }
  createConsumer(c, g, argv[4]!, argv[2]!);
  c.reply.int(1);
}

function xgroupDelConsumer(c: Client, argv: string[]): void {
  const t = groupTarget(c, argv);
  if (t === null) return;
  const g = t.g!;
  const cons = lookupConsumer(g, argv[4]!, false);
  let pending = 0;
  if (cons !== undefined) {
    pending = cons.pel.size;
    // streamDelConsumer: its pending entries leave the group's PEL too.
    for (const id of cons.pel.keys()) g.pel.delete(id);
    g.consumers.delete(cons.name);
    c.server.dirty++;
    c.server.notify(NOTIFY.stream, 'xgroup-delconsumer', argv[2]!, c.db.id);
  }
  c.reply.int(pending);
}

function xack(c: Client, argv: string[]): void {
  const o = lookupRead(c, argv[1]!);
  let g: ConsumerGroup | undefined;
  if (o !== undefined) {
    if (!(o instanceof StreamValue)) {
      c.reply.error(ERR.wrongType);
      return;
    }
    g = o.groups.get(argv[2]!);
  }
  if (g === undefined) {
    c.reply.int(0);
    return;
  }
  // All IDs are checked first: the reply cannot be an error once something was acknowledged.
  const ids: StreamID[] = [];
  for (let j = 3; j < argv.length; j++) {
    const id = strictIdArg(c, argv[j]!);
    if (id === null) return;
    ids.push(id);
  }
  let acked = 0;
  for (const id of ids) {
    const nack = g.pel.get(id);
    if (nack === undefined) continue;
    g.pel.delete(id);
    nack.consumer.pel.delete(id);
    acked++;
    c.server.dirty++;
  }
  c.reply.int(acked);
}

/** streamParseIntervalIDOrReply as XRANGE and XPENDING read their bounds. */
function intervalBound(c: Client, arg: string, start: boolean): StreamID | null {
  const missing = start ? 0 : U64_MAX;
  if (arg.length > 1 && arg[0] === '(') {
    const id = strictIdArg(c, arg.slice(1), missing);
    if (id === null) return null;
    const moved = start ? incrId(id) : decrId(id);
    if (moved === null) c.reply.error(start ? 'ERR invalid start ID for the interval' : 'ERR invalid end ID for the interval');
    return moved;
  }
  return idArg(c, arg, missing);
}

/** XPENDING key group [[IDLE min-idle] start end count [consumer]]. */
function xpending(c: Client, argv: string[]): void {
  const justInfo = argv.length === 3;
  if (argv.length !== 3 && (argv.length < 6 || argv.length > 9)) {
    c.reply.error(ERR.syntax);
    return;
  }
  let start: StreamID = MIN_ID;
  let end: StreamID = MIN_ID;
  let count = 0;
  let minIdle = 0;
  let consumerName: string | null = null;
  if (argv.length >= 6) {
    let startIdx = 3;
    if (isOpt(argv[3]!, 'idle')) {
      const n = longArg(c, argv[4]!);
      if (n === null) return;
      minIdle = n;
      if (argv.length < 8) {
        c.reply.error(ERR.syntax);
        return;
      }
      startIdx += 2;
    }
    const n = longArg(c, argv[startIdx + 2]!);
    if (n === null) return;
    count = n < 0 ? 0 : n;
    const s0 = intervalBound(c, argv[startIdx]!, true);
    if (s0 === null) return;
    const e0 = intervalBound(c, argv[startIdx + 1]!, false);
    if (e0 === null) return;
    start = s0;
    end = e0;
    if (startIdx + 3 < argv.length) consumerName = argv[startIdx + 3]!;
  }
  const o = lookupRead(c, argv[1]!);
  if (o !== undefined && !(o instanceof StreamValue)) {
    c.reply.error(ERR.wrongType);
    return;
  }
  const g = o?.groups.get(argv[2]!);
  if (g === undefined) {
    c.reply.error(`NOGROUP No such key '${cstr(argv[1]!, Infinity)}' or consumer group '${cstr(argv[2]!, Infinity)}'`);
    return;
  }
  const r = c.reply;
  if (justInfo) {
    r.array(4);
    r.int(g.pel.size);
    if (g.pel.size === 0) {
      r.null();
      r.null();
      r.nullArray();
      return;
    }
    r.bulk(formatId(g.pel.first()!));
    r.bulk(formatId(g.pel.last()!));
    const withPending = g.consumersInOrder().filter((cons) => cons.pel.size > 0);
    r.array(withPending.length);
    for (const cons of withPending) {
      r.array(2);
      r.bulk(cons.name);
      r.bulk(String(cons.pel.size));
    }
    return;
  }
  let pel = g.pel;
  if (consumerName !== null) {
    const cons = lookupConsumer(g, consumerName, false);
    if (cons === undefined) {
      r.array(0);
      return;
    }
    pel = cons.pel;
  }
  const now = Date.now();
  const rows: [StreamID, string, number, I64][] = [];
  for (let i = pel.lowerBound(start); count > 0 && i < pel.size; i++) {
    const id = pel.idAt(i)!;
    if (compareIds(id, end) > 0) break;
    const nack = pel.valueAt(i);
    const idle = now - Number(nack.deliveryTime);
    if (minIdle && idle < minIdle) continue;
    count--;
    rows.push([id, nack.consumer.name, idle < 0 ? 0 : idle, nack.deliveryCount]);
  }
  r.array(rows.length);
  for (const [id, name, idle, deliveries] of rows) {
    r.array(4);
    r.bulk(formatId(id));
    r.bulk(name);
    r.int(idle);
    r.int(deliveries);
  }
}

export const streamGroupCommands: CommandDef[] = [
  { name: 'xgroup|create', handler: xgroupCreate },
  { name: 'xgroup|setid', handler: xgroupSetid },
  { name: 'xgroup|destroy', handler: xgroupDestroy },
  { name: 'xgroup|createconsumer', handler: xgroupCreateConsumer },
  { name: 'xgroup|delconsumer', handler: xgroupDelConsumer },
  { name: 'xgroup|help', handler: (c, argv) => replyHelp(c, argv, XGROUP_HELP) },
  { name: 'xack', handler: xack },
  { name: 'xpending', handler: xpending },
];
