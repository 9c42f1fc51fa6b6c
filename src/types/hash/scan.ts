import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { parseInteger } from '../../protocol/number-format.js';
import { scanCursorArg } from '../../keyspace/args.js';
import { globMatch } from '../../keyspace/glob.js';
import { readHash } from './access.js';

/** COUNT and MATCH of a collection scan (scanGenericCommand with an object: no TYPE). */
export interface CollectionScanOptions {
  count: number;
  /** null: match everything (no MATCH, or MATCH "*"). */
  pattern: string | null;
}

/** Parses [MATCH pattern] [COUNT count] from argv[from]; null after replying an error. */
export function parseCollectionScanOptions(c: Client, argv: string[], from: number): CollectionScanOptions | null {
  let count = 10;
  let pattern: string | null = null;
  for (let i = from; i < argv.length; i += 2) {
    const opt = argv[i]!.toLowerCase();
    const more = argv.length - i >= 2;
    if (opt === 'count' && more) {
      const n = parseInteger(argv[i + 1]!);
      if (n === null) {
        c.reply.error(ERR.notInteger);
        return null;
      }
      if (n < 1) {
        c.reply.error(ERR.syntax);
        return null;
      }
      count = n;
    } else if (opt === 'match' && more) {
      const p = argv[i + 1]!;
      pattern = p === '*' ? null : p;
    } else {
      c.reply.error(ERR.syntax);
      return null;
    }
  }
  return { count, pattern };
}

/**
 * HSCAN key cursor [MATCH pattern] [COUNT count]. The cursor is checked first, then the key (a
 * missing key answers an empty scan before the options are read). A listpack hash comes whole
 * with cursor 0; a hashtable is walked with the dict's reverse-binary cursor, at least COUNT
 * fields unless the scan ends (or ten buckets per COUNT were empty), filtered afterwards.
 */
function hscan(c: Client, argv: string[]): void {
  const cursorArg = scanCursorArg(c, argv[2]!);
  if (cursorArg === null) return;
  const h = readHash(c, argv[1]!);
  if (h === null) return;
  const r = c.reply;
  if (h === undefined) {
    r.array(2);
    r.bulk('0');
    r.array(0);
    return;
  }
  const opts = parseCollectionScanOptions(c, argv, 3);
  if (opts === null) return;
  const found: string[] = [];
  const visit = (f: string, v: string): void => {
    found.push(f, v);
  };
  // Only the low bits pick a bucket; a Dict never has 2^31 of them.
  let cursor = Number(cursorArg & 0x7fffffffn);
  if (h.isListpack) {
    cursor = h.scan(cursor, visit);
  } else {
    let maxIterations = opts.count * 10;
    do {
      cursor = h.scan(cursor, visit);
    } while (cursor !== 0 && maxIterations-- !== 0 && found.length < opts.count * 2);
  }
  const pattern = opts.pattern;
  const out = pattern === null ? found : [];
  if (pattern !== null) {
    for (let i = 0; i < found.length; i += 2) if (globMatch(pattern, found[i]!)) out.push(found[i]!, found[i + 1]!);
  }
  r.array(2);
  r.bulk(String(cursor));
  r.bulkArray(out);
}

export const hscanCommands: CommandDef[] = [{ name: 'hscan', handler: hscan }];
