import type { Server } from '../../server/server.js';

/**
 * The RDB codec's entry points (filled by the RDB work): the AOF's rewrite writes its base file
 * with encodeRdb when aof-use-rdb-preamble is yes, and loads an RDB-preamble base with loadRdb.
 */

/** The whole dataset as the bytes of an RDB version 10 file (header, aux fields, dbs, EOF, CRC64). */
export function encodeRdb(server: Server): Buffer {
  void server;
  throw new Error('RDB encoding is not implemented yet');
}

/**
 * Loads an RDB file's bytes into the server's databases. `source` names the file in errors
 * (which also give the offset and what was found).
 */
export function loadRdb(server: Server, data: Buffer, source: string): void {
  void server;
  void data;
  throw new Error(`RDB loading is not implemented yet (${source})`);
}
