import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { scanWalk, startCollectionScan } from '../../keyspace/scan-args.js';
import { globMatch } from '../../keyspace/glob.js';
import { readHash } from './access.js';

/**
 * HSCAN key cursor [MATCH pattern] [COUNT count]. The cursor is checked first, then the key (a
 * missing key answers an empty scan before the options are read). A listpack hash comes whole
 * with cursor 0; a hashtable is walked with the dict's reverse-binary cursor, at least COUNT
 * fields unless the scan ends (or ten buckets per COUNT were empty), filtered afterwards.
 */
function hscan(c: Client, argv: string[]): void {
  const start = startCollectionScan(c, argv, readHash);
  if (start === null) return;
  const { value: h, opts } = start;
  const found: string[] = [];
  const visit = (f: string, v: string): void => {
    found.push(f, v);
  };
  // A listpack hash comes whole in one step, returning cursor 0.
  const cursor = scanWalk(
    start.cursor,
    opts.count,
    (cur) => h.scan(cur, visit),
    () => found.length / 2,
  );
  const pattern = opts.pattern;
  const out = pattern === null ? found : [];
  if (pattern !== null) {
    for (let i = 0; i < found.length; i += 2) if (globMatch(pattern, found[i]!)) out.push(found[i]!, found[i + 1]!);
  }
  const r = c.reply;
  r.array(2);
  r.bulk(String(cursor));
  r.bulkArray(out);
}

export const hscanCommands: CommandDef[] = [{ name: 'hscan', handler: hscan }];
