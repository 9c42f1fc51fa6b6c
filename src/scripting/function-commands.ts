import type { CommandDef } from '../commands/table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { replyHelp } from '../commands/command.js';
import { subcommandSyntaxError } from '../errors.js';
import { parseInteger } from '../protocol/number-format.js';
import { globMatch } from '../keyspace/glob.js';
import { feedMonitors, hasMonitors } from '../pubsub/monitor.js';
import { BUSY_EVAL_ERROR, SCRIPT_FLAG_NAMES, killScript, runningScript } from './engine.js';
import { LibraryCtx, functionsEngine, hasFunctionsEngine, type Library } from './functions.js';
import { ByteReader, ByteWriter } from '../persistence/rdb/bytes.js';
import { crc64 } from '../persistence/rdb/crc64.js';
import { RDB_VERSION, OP_FUNCTION2 } from '../persistence/rdb/format.js';
import { readString } from '../persistence/rdb/reader.js';
import { writeString } from '../persistence/rdb/writer.js';
import { setFunctionsCodec, writeOptions } from '../persistence/rdb/file.js';
import { verifyDumpPayload } from '../persistence/rdb/dump.js';

/**
 * FUNCTION LOAD / LIST / DELETE / FLUSH / DUMP / RESTORE / STATS / KILL / HELP, FCALL and
 * FCALL_RO, with Redis 7.0's replies and error texts (functions.c). The write subcommands bump
 * dirty, so they propagate themselves; FCALL propagates its effects like EVAL.
 */

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

function functionLoad(c: Client, argv: string[]): void {
  let replace = false;
  let pos = 2;
  while (pos < argv.length - 1) {
    const arg = argv[pos++]!;
    if (arg.toLowerCase() === 'replace') {
      replace = true;
      continue;
    }
    c.reply.error(`ERR Unknown option given: ${arg}`);
    return;
  }
  if (pos >= argv.length) {
    c.reply.error('ERR Function code is missing');
    return;
  }
  const res = functionsEngine(c.server).create(argv[pos]!, replace);
  if ('error' in res) {
    c.reply.error('ERR ' + res.error);
    return;
  }
  c.server.dirty++;
  c.reply.bulk(res.library.name);
}

function functionDelete(c: Client, argv: string[]): void {
  const fe = functionsEngine(c.server);
  const lib = fe.ctx.libraries.get(argv[2]!);
  if (lib === undefined) {
    c.reply.error('ERR Library not found');
    return;
  }
  fe.ctx.unlink(lib);
  fe.release(lib);
  c.server.dirty++;
  c.reply.ok();
}

function functionFlush(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.reply.error(subcommandSyntaxError(argv[1]!, argv[0]!));
    return;
  }
  if (argv.length === 3 && !['sync', 'async'].includes(argv[2]!.toLowerCase())) {
    c.reply.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
    return;
  }
  // ASYNC or SYNC, the libraries go at once: freeing them costs nothing worth a thread.
  functionsEngine(c.server).clear();
  c.server.dirty++;
  c.reply.ok();
}

/** The flags of a function, as a set of status replies in scripts_flags_def order. */
function replyFlags(c: Client, flags: number): void {
  const names = SCRIPT_FLAG_NAMES.filter(([, bit]) => (flags & bit) !== 0).map(([name]) => name);
  c.reply.set(names.length);
  for (const n of names) c.reply.simple(n);
}

function replyLibrary(c: Client, lib: Library, withCode: boolean): void {
  const r = c.reply;
  r.map(withCode ? 4 : 3);
  r.bulk('library_name');
  r.bulk(lib.name);
  r.bulk('engine');
  r.bulk('LUA');
  r.bulk('functions');
  r.array(lib.functions.size);
  for (const fi of lib.functions.values()) {
    r.map(3);
    r.bulk('name');
    r.bulk(fi.name);
    r.bulk('description');
    r.bulkOrNull(fi.description);
    r.bulk('flags');
    replyFlags(c, fi.flags);
  }
  if (withCode) {
    r.bulk('library_code');
    r.bulk(lib.code);
  }
}

function functionList(c: Client, argv: string[]): void {
  let withCode = false;
  let pattern: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    const lower = arg.toLowerCase();
    if (!withCode && lower === 'withcode') {
      withCode = true;
      continue;
    }
    if (pattern === null && lower === 'libraryname') {
      if (i >= argv.length - 1) {
        c.reply.error('ERR library name argument was not given');
        return;
      }
      pattern = argv[++i]!;
      continue;
    }
    c.reply.error(`ERR Unknown argument ${arg}`);
    return;
  }
  const libs = hasFunctionsEngine(c.server) ? [...functionsEngine(c.server).ctx.libraries.values()] : [];
  const shown = pattern === null ? libs : libs.filter((lib) => globMatch(pattern!, lib.name, true));
  c.reply.array(shown.length);
  for (const lib of shown) replyLibrary(c, lib, withCode);
}

/** rdbSaveFunctions' bytes for these libraries: FUNCTION2 and the code, per library. */
function writeLibraries(w: ByteWriter, server: Server, libs: Iterable<Library>): void {
  const opts = writeOptions(server);
  for (const lib of libs) {
    w.byte(OP_FUNCTION2);
    writeString(w, lib.code, opts);
  }
}

function functionDump(c: Client): void {
  const w = new ByteWriter(256);
  if (hasFunctionsEngine(c.server)) writeLibraries(w, c.server, functionsEngine(c.server).ctx.libraries.values());
  w.u16le(RDB_VERSION);
  w.bytes(crc64(w.buf, 0, w.pos));
  c.reply.bulk(Buffer.from(w.result()).latin1Slice(0, w.pos));
}

function functionRestore(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    c.reply.error(subcommandSyntaxError(argv[1]!, argv[0]!));
    return;
  }
  let policy: 'append' | 'replace' | 'flush' = 'append';
  if (argv.length === 4) {
    const p = argv[3]!.toLowerCase();
    if (p !== 'append' && p !== 'replace' && p !== 'flush') {
      c.reply.error('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
      return;
    }
    policy = p;
  }
  const data = Buffer.from(argv[2]!, 'latin1');
  if (!verifyDumpPayload(data, false)) {
    c.reply.error('ERR DUMP payload version or checksum are wrong');
    return;
  }
  const fe = functionsEngine(c.server);
  const ctx = new LibraryCtx();
  const r = new ByteReader(data, 0, data.length - 10);
  let err: string | null = null;
  while (err === null && r.remaining > 0) {
    const type = r.u8();
    if (type !== OP_FUNCTION2) {
      // 246 is 7.0's pre-release format (library name, engine and description before the code).
      err = type === 246 ? 'Pre-GA function format not supported' : 'given type is not a function';
      break;
    }
    let code: string;
    try {
      code = readString(r);
    } catch {
      err = 'Failed loading library payload';
      break;
    }
    const res = fe.create(code, false, ctx);
    if ('error' in res) err = res.error;
  }
  if (err === null) {
    if (policy === 'flush') {
      fe.clear();
      fe.ctx = ctx;
    } else {
      err = fe.join(ctx, policy === 'replace');
    }
  }
  if (err !== null) {
    for (const lib of ctx.libraries.values()) fe.release(lib);
    c.reply.error('ERR ' + err);
    return;
  }
  c.server.dirty++;
  c.reply.ok();
}

function functionStats(c: Client): void {
  const run = runningScript(c.server);
  if (run !== null && run.isEval) {
    c.reply.error(BUSY_EVAL_ERROR);
    return;
  }
  const r = c.reply;
  r.map(2);
  r.bulk('running_script');
  if (run === null) r.null();
  else {
    r.map(3);
    r.bulk('name');
    r.bulk(run.request.name);
    r.bulk('command');
    r.bulkArray(run.request.caller.argv);
    r.bulk('duration_ms');
    r.int(Math.floor(performance.now() - run.startMs));
  }
  r.bulk('engines');
  r.map(1);
  r.bulk('LUA');
  r.map(2);
  const ctx = hasFunctionsEngine(c.server) ? functionsEngine(c.server).ctx : null;
  r.bulk('libraries_count');
  r.int(ctx === null ? 0 : ctx.libraries.size);
  r.bulk('functions_count');
  r.int(ctx === null ? 0 : ctx.functionCount);
}

/** fcallCommandGeneric. */
function fcall(c: Client, argv: string[], readOnly: boolean): void {
  // Like EVAL, FCALL propagates the commands it runs (effects replication), never itself.
  c.preventPropagation = true;
  // FCALL is skip_monitor: MONITOR sees it here, before the commands it runs.
  if (hasMonitors()) feedMonitors(c, c.server.commands.lookup(argv)!, argv, true);
  const fe = functionsEngine(c.server);
  const fi = fe.ctx.functions.get(argv[1]!.toLowerCase());
  if (fi === undefined) {
    c.reply.error('ERR Function not found');
    return;
  }
  const numkeys = parseInteger(argv[2]!);
  if (numkeys === null) {
    c.reply.error('ERR Bad number of keys provided');
    return;
  }
  if (numkeys > argv.length - 3) {
    c.reply.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  if (numkeys < 0) {
    c.reply.error("ERR Number of keys can't be negative");
    return;
  }
  fe.engine.run({
    caller: c,
    ref: fi.ref,
    name: fi.name,
    keys: argv.slice(3, 3 + numkeys),
    args: argv.slice(3 + numkeys),
    flags: fi.flags,
    readOnly,
  });
}

// Function libraries go into RDB files (and come back from them) through the RDB codec.
setFunctionsCodec({
  dump: (server) => (hasFunctionsEngine(server) ? [...functionsEngine(server).ctx.libraries.values()].map((lib) => lib.code) : []),
  load: (server, code) => {
    const res = functionsEngine(server).create(code, true);
    if ('error' in res) throw new Error(res.error);
  },
});

export const functionCommands: CommandDef[] = [
  { name: 'function|load', handler: functionLoad },
  { name: 'function|delete', handler: functionDelete },
  { name: 'function|flush', handler: functionFlush },
  { name: 'function|list', handler: functionList },
  { name: 'function|dump', handler: (c) => functionDump(c) },
  { name: 'function|restore', handler: functionRestore },
  { name: 'function|stats', handler: (c) => functionStats(c) },
  { name: 'function|kill', handler: (c) => killScript(c, false) },
  { name: 'function|help', handler: (c, argv) => replyHelp(c, argv, FUNCTION_HELP) },
  { name: 'fcall', handler: (c, argv) => fcall(c, argv, false) },
  { name: 'fcall_ro', handler: (c, argv) => fcall(c, argv, true) },
];
