import { createHash } from 'node:crypto';
import type { LuaJsFunction, LuaKFunction, LuaState } from './fengari.js';
import { formatNumberG, fromLuaString, lua, pushString, toLuaString } from './lua.js';
import { pushErrorTable, pushReply } from './convert.js';
import type { LuaEngine, ScriptRun } from './engine.js';
import { ReplyReader, type ReplyValue } from '../protocol/reply-reader.js';
import { call } from '../commands/dispatch.js';
import { aclAllows, aclCheckCommand } from '../acl/index.js';
import { NODIS_VERSION as REDIS_VERSION } from '../server/version.js';
import type { LogLevel } from '../server/log.js';

/**
 * The `redis` table scripts see (luaRegisterRedisAPI in script_lua.c) and the commands it runs
 * (scriptCall in script.c): redis.call/pcall go through the normal call() as the engine's script
 * client, after the checks Redis makes for commands sent by scripts.
 */

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'verbose', 'notice', 'warning'];

/** REDIS_VERSION_NUM: 0x00MMmmpp. */
function versionNum(v: string): number {
  const [a = 0, b = 0, c = 0] = v.split('.').map((x) => parseInt(x, 10));
  return (a << 16) | (b << 8) | c;
}

/** Pushes {err=...} (luaPushError), optionally marked as already counted in the error stats. */
function pushError(L: LuaState, text: string, counted = false): void {
  pushErrorTable(L, text);
  if (counted) {
    lua.lua_pushstring(L, 'ignore_error_stats_update');
    lua.lua_pushboolean(L, true);
    lua.lua_settable(L, -3);
  }
}

function raise(L: LuaState, text: string): never {
  pushError(L, text);
  return lua.lua_error(L);
}

/** luaArgsToRedisArgv: strings as they are, numbers as "%.17g"; anything else is refused. */
function argsToArgv(L: LuaState): string[] | null {
  const argc = lua.lua_gettop(L);
  const argv: string[] = [];
  for (let j = 1; j <= argc; j++) {
    const t = lua.lua_type(L, j);
    if (t === lua.LUA_TNUMBER) argv.push(formatNumberG(lua.lua_tonumber(L, j), 17));
    else if (t === lua.LUA_TSTRING) argv.push(fromLuaString(lua.lua_tolstring(L, j)!));
    else break;
  }
  lua.lua_settop(L, 0);
  return argv.length === argc ? argv : null;
}

/** The ACL gate's NOPERM texts, as scriptVerifyACL words them for a script. */
/**
 * scriptCall: runs one command for the script. Answers its reply, or the text of an error that
 * refused it before it ran.
 */
function scriptCall(run: ScriptRun, argv: string[]): ReplyValue | string {
  const engine = run.engine;
  const server = engine.server;
  const sc = run.scriptClient;
  const cmd = server.commands.lookup(argv);
  if (cmd === undefined || cmd.handler === null) return 'Unknown Redis command called from script';
  const argc = argv.length;
  if ((cmd.arity > 0 && cmd.arity !== argc) || argc < -cmd.arity) return 'Wrong number of args calling Redis command from script';
  if (cmd.flags.has('noscript')) return 'This Redis command is not allowed from script';
  // scriptVerifyACL: logged with context "lua" and the caller's client info.
  const denied = aclCheckCommand(sc, cmd, argv, run.request.caller);
  if (denied !== null) return denied;
  const write = cmd.isWrite();
  if (write) {
    if (run.readOnly) return 'Write commands are not allowed from read-only scripts.';
    if (server.writeGate !== null) {
      const refused = server.writeGate(sc, cmd, argv);
      if (refused !== null) return '-' + refused;
    }
  }
  // Only the first write may be refused for memory: a script cannot stop half-way through its writes.
  if (!run.allowOom && run.startedOom && !run.wroteDirty && cmd.flags.has('denyoom')) {
    return "-OOM command not allowed when used memory > 'maxmemory'.";
  }
  if (write) run.wroteDirty = true;
  sc.argv = argv;
  if (run.replFlags === 0) sc.preventPropagation = true;
  call(sc, cmd, argv);
  // A read inside a script makes 7.0's call() track keys for the script's caller: the keys of the
  // caller's own command (EVAL's declared keys), not those the read named.
  const caller = run.request.caller;
  if (caller.tracking && cmd.flags.has('readonly')) {
    const top = server.commands.lookup(caller.argv);
    if (top !== undefined) server.tracking?.rememberKeys(caller, top, caller.argv);
  }
  const reader = new ReplyReader();
  for (const b of sc.reply.take()) reader.push(b);
  const r = reader.next();
  return r === null ? { t: 'null' } : r.value;
}

/** redis.call (raise) and redis.pcall: luaRedisGenericCommand. */
function genericCommand(engine: LuaEngine, raiseErrors: boolean): LuaJsFunction {
  let inUse = false;
  return (L) => {
    const run = engine.current;
    if (run === null) return raise(L, 'redis.call/pcall can only be called inside a script invocation');
    if (lua.lua_gettop(L) === 0) {
      pushError(L, 'Please specify at least one argument for this redis lib call');
      return raiseErrors ? lua.lua_error(L) : 1;
    }
    const argv = argsToArgv(L);
    if (argv === null) {
      pushError(L, 'Lua redis lib command arguments must be strings or integers');
      return raiseErrors ? lua.lua_error(L) : 1;
    }
    if (inUse) {
      const msg = 'luaRedisGenericCommand() recursive call detected. Are you doing funny stuff with Lua debug hooks?';
      engine.server.log.warning(msg);
      pushError(L, msg);
      return 1;
    }
    inUse = true;
    let result: ReplyValue | string;
    try {
      result = scriptCall(run, argv);
    } finally {
      inUse = false;
    }
    if (typeof result === 'string') {
      pushError(L, result, true);
      return raiseErrors ? lua.lua_error(L) : 1;
    }
    pushReply(L, result);
    if (raiseErrors && result.t === 'error') return lua.lua_error(L);
    return 1;
  };
}

/**
 * Redis's replacement for the global pcall: an error raised as a table {err=...} (redis.call's
 * errors) is returned as its message string, as older Redis versions returned it. Continuation
 * based, so a script looping inside pcall can still be interrupted.
 */
const pcallDone: LuaKFunction = (L, status) => {
  if (status !== lua.LUA_OK && status !== lua.LUA_YIELD) {
    lua.lua_remove(L, 1);
    if (lua.lua_istable(L, -1)) {
      lua.lua_getfield(L, -1, 'err');
      if (lua.lua_isstring(L, -1)) lua.lua_replace(L, -2);
      else lua.lua_pop(L, 1);
    }
    lua.lua_pushboolean(L, false);
    lua.lua_insert(L, 1);
  }
  return lua.lua_gettop(L);
};
const luaPcall: LuaJsFunction = (L) => {
  const argc = lua.lua_gettop(L);
  if (argc < 1) {
    // Redis's luaRedisPcall does not check for a function: with none it answers false.
    lua.lua_pushboolean(L, false);
    return 1;
  }
  lua.lua_pushboolean(L, true);
  lua.lua_insert(L, 1);
  const status = lua.lua_pcallk(L, argc - 1, lua.LUA_MULTRET, 0, 0, pcallDone);
  return pcallDone(L, status, 0);
};

function setFn(L: LuaState, name: string, f: LuaJsFunction): void {
  lua.lua_pushjsfunction(L, f);
  lua.lua_setfield(L, -2, name);
}

function setNum(L: LuaState, name: string, n: number): void {
  lua.lua_pushnumber(L, n);
  lua.lua_setfield(L, -2, name);
}

/** Creates the global `redis` table and replaces pcall, for this engine's state. */
export function registerRedisApi(engine: LuaEngine): void {
  const L = engine.L;
  const server = engine.server;
  lua.lua_pushjsfunction(L, luaPcall);
  lua.lua_setglobal(L, 'pcall');

  lua.lua_newtable(L);
  setFn(L, 'call', genericCommand(engine, true));
  setFn(L, 'pcall', genericCommand(engine, false));
  setFn(L, 'log', (l) => {
    const argc = lua.lua_gettop(l);
    if (argc < 2) return raise(l, 'redis.log() requires two arguments or more.');
    if (!lua.lua_isnumber(l, 1)) return raise(l, 'First argument must be a number (log level).');
    const level = Math.trunc(lua.lua_tonumber(l, 1));
    if (level < 0 || level > 3) return raise(l, 'Invalid debug level.');
    let msg = '';
    for (let j = 2; j <= argc; j++) {
      const s = lua.lua_tolstring(l, j);
      if (s === null) continue;
      if (j !== 2) msg += ' ';
      msg += fromLuaString(s);
    }
    server.log.log(LOG_LEVELS[level]!, msg);
    return 0;
  });
  setNum(L, 'LOG_DEBUG', 0);
  setNum(L, 'LOG_VERBOSE', 1);
  setNum(L, 'LOG_NOTICE', 2);
  setNum(L, 'LOG_WARNING', 3);
  setNum(L, 'REDIS_VERSION_NUM', versionNum(REDIS_VERSION));
  lua.lua_pushstring(L, REDIS_VERSION);
  lua.lua_setfield(L, -2, 'REDIS_VERSION');
  setFn(L, 'setresp', (l) => {
    const run = engine.current;
    if (run === null) return raise(l, 'redis.setresp can only be called inside a script invocation');
    if (lua.lua_gettop(l) !== 1) return raise(l, 'redis.setresp() requires one argument.');
    const resp = Math.trunc(lua.lua_tonumber(l, 1));
    if (resp !== 2 && resp !== 3) return raise(l, 'RESP version must be 2 or 3.');
    run.scriptClient.reply.resp = resp;
    return 0;
  });
  setFn(L, 'sha1hex', (l) => {
    if (lua.lua_gettop(l) !== 1) return raise(l, 'wrong number of arguments');
    const s = lua.lua_tolstring(l, 1);
    pushString(l, createHash('sha1').update(s ?? new Uint8Array(0)).digest('hex'));
    return 1;
  });
  setFn(L, 'error_reply', (l) => {
    if (lua.lua_gettop(l) !== 1 || lua.lua_type(l, -1) !== lua.LUA_TSTRING) {
      pushError(l, 'wrong number or type of arguments');
      return 1;
    }
    const err = fromLuaString(lua.lua_tolstring(l, -1)!);
    pushErrorTable(l, err.startsWith('-') ? err : '-' + err);
    return 1;
  });
  setFn(L, 'status_reply', (l) => {
    if (lua.lua_gettop(l) !== 1 || lua.lua_type(l, -1) !== lua.LUA_TSTRING) {
      pushError(l, 'wrong number or type of arguments');
      return 1;
    }
    lua.lua_newtable(l);
    lua.lua_pushstring(l, 'ok');
    lua.lua_pushvalue(l, -3);
    lua.lua_settable(l, -3);
    return 1;
  });
  setFn(L, 'set_repl', (l) => {
    const run = engine.current;
    if (run === null) return raise(l, 'redis.set_repl can only be called inside a script invocation');
    if (lua.lua_gettop(l) !== 1) return raise(l, 'redis.set_repl() requires two arguments.');
    const flags = Math.trunc(lua.lua_tonumber(l, -1));
    if ((flags & ~3) !== 0) return raise(l, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
    run.replFlags = flags;
    return 0;
  });
  setNum(L, 'REPL_NONE', 0);
  setNum(L, 'REPL_AOF', 1);
  setNum(L, 'REPL_SLAVE', 2);
  setNum(L, 'REPL_REPLICA', 2);
  setNum(L, 'REPL_ALL', 3);
  setFn(L, 'replicate_commands', (l) => {
    lua.lua_pushboolean(l, true);
    return 1;
  });
  // No debugger (SCRIPT DEBUG) in Nodis: breakpoint answers false and debug does nothing, as without one in Redis.
  setFn(L, 'breakpoint', (l) => {
    lua.lua_pushboolean(l, false);
    return 1;
  });
  setFn(L, 'debug', () => 0);
  setFn(L, 'acl_check_cmd', (l) => {
    const run = engine.current;
    if (run === null) return raise(l, 'redis.acl_check_cmd can only be called inside a script invocation');
    if (lua.lua_gettop(l) === 0) return raise(l, 'Please specify at least one argument for this redis lib call');
    const argv = argsToArgv(l);
    if (argv === null) return raise(l, 'Lua redis lib command arguments must be strings or integers');
    const cmd = server.commands.lookup(argv);
    if (cmd === undefined || cmd.handler === null) return raise(l, 'Invalid command passed to redis.acl_check_cmd()');
    lua.lua_pushboolean(l, aclAllows(run.scriptClient, cmd, argv));
    return 1;
  });
  lua.lua_setglobal(L, 'redis');
}
