import type { Server } from '../../server/server.js';
import { encodeDataset, RdbLoader, type LoadOptions } from './file.js';

/**
 * The RDB codec's entry points: the AOF's rewrite writes its base file with encodeRdb when
 * aof-use-rdb-preamble is yes (pass `{ aofBase: true }`: the file then says aof-base 1, as
 * Redis's does), and loads an RDB-preamble base with loadRdb.
 */

export { setFunctionsCodec, type FunctionsCodec, RdbLoader, RdbLoadError } from './file.js';

/** The whole dataset as the bytes of an RDB version 10 file (header, aux fields, dbs, EOF, CRC64). */
export function encodeRdb(server: Server, options: { aofBase?: boolean } = {}): Buffer {
  return encodeDataset(server, options.aofBase ?? false);
}

/**
 * Loads an RDB file's bytes into the server's databases, synchronously. `source` names the file
 * in errors (RdbLoadError: the file, the offset and what was found). With `aofPreamble`, keys
 * already expired are kept, as Redis does for an AOF's base.
 */
export function loadRdb(server: Server, data: Buffer, source: string, options: LoadOptions = {}): { keysLoaded: number; keysExpired: number } {
  const loader = new RdbLoader(server, data, source, options);
  loader.step();
  return { keysLoaded: loader.keysLoaded, keysExpired: loader.keysExpired };
}
