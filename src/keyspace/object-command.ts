import type { CommandDef } from '../commands/table.js';
import type { Client } from '../server/client.js';
import { lfuDecrAndReturn, idleTimeMs } from './db.js';
import { lookupRead, LOOKUP_NOTOUCH, LOOKUP_NONOTIFY } from './lookup.js';
import { stringEncoding } from '../types/string/encoding.js';
import { parseInteger } from '../protocol/number-format.js';
import { replyHelp } from './args.js';

/** Redis's OBJ_SHARED_INTEGERS: 0..9999 stored as int share one object each. */
const OBJ_SHARED_INTEGERS = 10000;
/** OBJ_SHARED_REFCOUNT: what OBJECT REFCOUNT says of a shared object. */
const OBJ_SHARED_REFCOUNT = 2147483647;

/**
 * objectCommandLookupOrReply: the slot of a live key (counting a hit or miss, without touching
 * it or firing "keymiss"), or -1 after replying null.
 */
function objectLookup(c: Client, key: string): number {
  if (lookupRead(c, key, LOOKUP_NOTOUCH | LOOKUP_NONOTIFY) === undefined) {
    c.reply.null();
    return -1;
  }
  return c.db.findSlot(key);
}

function encoding(c: Client, argv: string[]): void {
  const s = objectLookup(c, argv[2]!);
  if (s < 0) return;
  const t = c.db.table;
  const v = t.valueAt(s);
  c.reply.bulk(typeof v === 'string' ? stringEncoding(v, t.flagsAt(s)) : v.encoding());
}

/**
 * REFCOUNT: 1, except for integers 0..9999, which Redis shares (refcount INT_MAX) unless a
 * maxmemory LRU/LFU policy needs a private LRU word per key (MAXMEMORY_FLAG_NO_SHARED_INTEGERS).
 */
function refcount(c: Client, argv: string[]): void {
  const s = objectLookup(c, argv[2]!);
  if (s < 0) return;
  const t = c.db.table;
  const v = t.valueAt(s);
  if (typeof v === 'string' && stringEncoding(v, t.flagsAt(s)) === 'int') {
    const n = parseInteger(v);
    const cfg = c.server.config;
    const policy = cfg.get('maxmemory-policy');
    const shareable = cfg.int('maxmemory') === 0 || !(policy.endsWith('lru') || policy.endsWith('lfu'));
    if (n !== null && n >= 0 && n < OBJ_SHARED_INTEGERS && shareable) {
      c.reply.int(OBJ_SHARED_REFCOUNT);
      return;
    }
  }
  c.reply.int(1);
}

function idletime(c: Client, argv: string[]): void {
  const s = objectLookup(c, argv[2]!);
  if (s < 0) return;
  if (c.db.lfuPolicy()) {
    c.reply.error(
      'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
    return;
  }
  c.reply.int(Math.floor(idleTimeMs(c.db.table.lruAt(s), c.server.now) / 1000));
}

function freq(c: Client, argv: string[]): void {
  const s = objectLookup(c, argv[2]!);
  if (s < 0) return;
  if (!c.db.lfuPolicy()) {
    c.reply.error(
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
    return;
  }
  c.reply.int(lfuDecrAndReturn(c.db.table.lruAt(s), c.server.now, c.server.config.int('lfu-decay-time')));
}

const OBJECT_HELP = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
] as const;

export const objectCommands: CommandDef[] = [
  { name: 'object|encoding', handler: encoding },
  { name: 'object|refcount', handler: refcount },
  { name: 'object|idletime', handler: idletime },
  { name: 'object|freq', handler: freq },
  { name: 'object|help', handler: (c, argv) => replyHelp(c, argv[0]!, OBJECT_HELP) },
];
