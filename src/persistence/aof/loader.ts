import fs from 'node:fs';
import path from 'node:path';
import type { Aof } from './aof.js';
import { Client } from '../../server/client.js';
import { RdbLoader } from '../rdb/index.js';
import type { Command } from '../../commands/table.js';

/**
 * Loading the multi-part AOF at start-up (loadAppendOnlyFiles / loadSingleAppendOnlyFile): the
 * base (an RDB, or commands), then each incremental file, replayed through a client without a
 * socket, as Redis's fake client: handlers run directly (no stats, no propagation), MULTI/EXEC
 * blocks are applied whole, and nothing expires while loading.
 */

/** Start-up must stop: the reason has been logged as Redis logs it. */
export class AofLoadError extends Error {}

type LoadResult = 'ok' | 'empty' | 'truncated' | 'not_exist';

const FAKE_CLIENT_ID = 0x7fffffff;

/** fgets on a buffer: the next line with its '\n', or to the end of the data; null at the end. */
function readLine(data: Buffer, pos: number): number {
  if (pos >= data.length) return -1;
  const nl = data.indexOf(10, pos);
  return nl < 0 ? data.length : nl + 1;
}

/** atoi / strtol: the leading decimal integer of data[from, to), 0 when none. */
function leadingInt(data: Buffer, from: number, to: number): number {
  let i = from;
  while (i < to && (data[i] === 0x20 || data[i] === 0x09)) i++;
  let neg = false;
  if (data[i] === 0x2d || data[i] === 0x2b) neg = data[i++] === 0x2d;
  let n = 0;
  while (i < to && data[i]! >= 0x30 && data[i]! <= 0x39) n = n * 10 + (data[i++]! - 0x30);
  return neg ? -n : n;
}

/**
 * Replays one file. `last` says whether it is the last of the manifest (only there may a
 * truncated tail be cut off under aof-load-truncated).
 */
async function loadSingleFile(aof: Aof, name: string): Promise<LoadResult> {
  const server = aof.server;
  const file = path.join(aof.appendDir, name);
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') {
      server.log.warning(`The append log file ${name} doesn't exist: No such file or directory`);
      return 'not_exist';
    }
    server.log.warning(`Fatal error: can't open the append log file ${name} for reading: ${err.message}`);
    throw new AofLoadError(`can't open the append log file ${name}`);
  }
  if (data.length === 0) return 'empty';
  let pos = 0;
  if (data.length >= 5 && data.latin1Slice(0, 5) === 'REDIS') {
    server.log.notice('Reading RDB base file on AOF loading...');
    try {
      // Keys already expired are kept: the commands that follow may still touch them.
      const loader = new RdbLoader(server, data, name, { aofPreamble: true });
      loader.step();
      pos = loader.position;
    } catch (e) {
      server.log.warning(`${(e as Error).message}`);
      server.log.warning(`Error reading the RDB base file ${name}, AOF loading aborted`);
      throw new AofLoadError((e as Error).message);
    }
    // An RDB preamble followed by commands (an old-style appendonly.aof) goes on with the tail.
    if (pos >= data.length) return 'ok';
    server.log.notice('Reading the remaining AOF tail...');
  }
  const fake = new Client(FAKE_CLIENT_ID, server, null);
  const loadTruncated = server.config.bool('aof-load-truncated');
  let validUpTo = loadTruncated ? pos : -1;
  let validBeforeMulti = -1;
  let queue: [Command, string[]][] | null = null;
  const run = (cmd: Command, argv: string[]) => {
    server.now = Date.now();
    fake.argv = argv;
    cmd.handler!(fake, argv);
    fake.reply.take();
  };
  let outcome: 'eof' | 'uxeof' | 'fmterr' = 'eof';
  parse: for (;;) {
    const end = readLine(data, pos);
    if (end < 0) break;
    const first = data[pos];
    if (first === 0x23) {
      // '#' annotations (aof-timestamp-enabled) are skipped.
      pos = end;
      continue;
    }
    if (first !== 0x2a) {
      outcome = 'fmterr';
      break;
    }
    if (end - pos === 1) {
      outcome = 'uxeof';
      break;
    }
    const argc = leadingInt(data, pos + 1, end);
    if (argc < 1) {
      outcome = 'fmterr';
      break;
    }
    pos = end;
    const argv: string[] = new Array<string>(argc);
    for (let j = 0; j < argc; j++) {
      const lend = readLine(data, pos);
      if (lend < 0) {
        outcome = 'uxeof';
        break parse;
      }
      if (data[pos] !== 0x24) {
        outcome = 'fmterr';
        break parse;
      }
      const len = leadingInt(data, pos + 1, lend);
      pos = lend;
      if (pos + len > data.length || pos + len + 2 > data.length) {
        outcome = 'uxeof';
        break parse;
      }
      argv[j] = data.latin1Slice(pos, pos + len);
      pos += len + 2;
    }
    const cmd = server.commands.lookup(argv);
    if (cmd === undefined || cmd.handler === undefined) {
      server.log.warning(`Unknown command '${argv[0]}' reading the append only file ${name}`);
      throw new AofLoadError(`Unknown command '${argv[0]}' reading the append only file ${name}`);
    }
    const lname = cmd.fullName;
    if (lname === 'multi') {
      validBeforeMulti = validUpTo;
      queue = [];
    } else if (lname === 'exec' && queue !== null) {
      const q = queue;
      queue = null;
      for (const [qc, qa] of q) run(qc, qa);
    } else if (queue !== null) {
      queue.push([cmd, argv]);
    } else {
      run(cmd, argv);
    }
    if (loadTruncated) validUpTo = pos;
  }
  if (outcome === 'eof' && queue !== null) {
    // A MULTI without its EXEC at the end: cut like a short read, dropping the partial block.
    server.log.notice(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
    validUpTo = validBeforeMulti;
    outcome = 'uxeof';
  }
  if (outcome === 'eof') return 'ok';
  if (outcome === 'fmterr') {
    server.log.warning(`Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
    throw new AofLoadError(`Bad file format reading the append only file ${name}`);
  }
  if (loadTruncated) {
    server.log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
    server.log.warning(`!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
    if (validUpTo === -1) {
      server.log.warning('Last valid command offset is invalid');
    } else {
      try {
        fs.truncateSync(file, validUpTo);
        server.log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
        return 'truncated';
      } catch (e) {
        server.log.warning(`Error truncating the AOF file ${name}: ${(e as Error).message}`);
      }
    }
  }
  server.log.warning(
    `Unexpected end of file reading the append only file ${name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
  );
  throw new AofLoadError(`Unexpected end of file reading the append only file ${name}`);
}

/** aofUpgradePrepare: an old single-file appendonly.aof becomes the base of a new manifest. */
function upgradeOldAof(aof: Aof): void {
  fs.mkdirSync(aof.appendDir, { recursive: true });
  const m = aof.manifest;
  m.base = { name: aof.fileName, seq: 1, type: 'b' };
  m.currBaseSeq = 1;
  aof.persistManifest();
  fs.renameSync(path.join(aof.dir, aof.fileName), path.join(aof.appendDir, aof.fileName));
  aof.server.log.notice(`Successfully migrated an old-style AOF file (${aof.fileName}) into the AOF directory (${aof.server.config.get('appenddirname')}).`);
}

/** loadAppendOnlyFiles: false when there is nothing to load. Throws AofLoadError to stop start-up. */
export async function loadAppendOnlyFiles(aof: Aof): Promise<boolean> {
  const server = aof.server;
  const m = aof.manifest;
  const oldFile = path.join(aof.dir, aof.fileName);
  if (fs.existsSync(oldFile) && fs.statSync(oldFile).isFile()) {
    const dirExists = fs.existsSync(aof.appendDir);
    const onlyOldBase = m.base !== null && m.incr.length === 0 && m.base.name === aof.fileName && !fs.existsSync(path.join(aof.appendDir, aof.fileName));
    if (!dirExists || (m.base === null && m.incr.length === 0) || onlyOldBase) upgradeOldAof(aof);
  }
  if (m.base === null && m.incr.length === 0) return false;
  const files = [...(m.base ? [m.base] : []), ...m.incr];
  const wasLoading = server.loading;
  server.loading = true;
  const started = Date.now();
  let total = 0;
  try {
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      const last = i === files.length - 1;
      const t0 = Date.now();
      const ret = await loadSingleFile(aof, f.name);
      if (ret === 'truncated' && !last) {
        server.log.warning('Fatal error: the truncated file is not the last file');
        throw new AofLoadError('the truncated file is not the last file');
      }
      if (ret === 'ok' || ret === 'truncated') {
        server.log.notice(`DB loaded from ${f.type === 'b' ? 'base' : 'incr'} file ${f.name}: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`);
      }
      const size = aof.fileSize(f.name);
      if (f.type === 'b') aof.baseSize = size;
      total += size;
    }
  } finally {
    server.loading = wasLoading;
    server.propagation.discard();
  }
  aof.currentSize = total;
  aof.fsyncOffset = total;
  server.log.notice(`DB loaded from append only file: ${((Date.now() - started) / 1000).toFixed(3)} seconds`);
  return true;
}
