import type { Server } from '../server/server.js';
import { Client } from '../server/client.js';
import type { LuaHook, LuaJsFunction, LuaKFunction, LuaState } from './fengari.js';
import { fromLuaString, lua, lauxlib, toLuaString } from './lua.js';
import { writeErrorTable, writeLuaValue } from './convert.js';
import { SCRIPT_THREAD_KEY, openLua51Environment, protectGlobals } from './sandbox.js';
import { registerRedisApi } from './redis-api.js';
import { openRedisLibraries } from './lib/index.js';
import { performEvictions } from '../server/evict.js';

/**
 * The Lua engine shared by EVAL (scripts) and FUNCTION/FCALL (functions): one LuaEngine per Lua
 * state, plus the per-server "script running now" context that BUSY, SCRIPT KILL and
 * FUNCTION KILL read.
 *
 * Stable API (the functions module builds on it):
 *   new LuaEngine(server, 'eval' | 'function')   a state with Redis's environment (5.1 bridges,
 *        sandbox, libraries cjson/cmsgpack/bit/struct, the redis.* API). The caller may add
 *        globals (e.g. redis.register_function) before `engine.protect()`, which makes the
 *        globals read-only as Redis does; an 'eval' engine is protected by its constructor.
 *   engine.compile(body, chunkName)              -> { ref } | { error }: a registry reference to
 *        the compiled chunk (the message is Lua's, e.g. "user_script:1: ...").
 *   engine.run(request)                          runs a function on behalf of a client and
 *        writes its reply (or error) to the client, exactly as Redis words it.
 *   engine.release(ref)                          frees a compiled chunk.
 *   runningScript(server) / killScript(c, isEval) the BUSY state and SCRIPT/FUNCTION KILL.
 *   SCRIPT_FLAG / parseFlagNames                 script flags (shebang and register_function).
 *
 * Atomicity and BUSY. A script runs synchronously inside its command: nothing else happens until
 * it returns, and a short script never leaves the handler. Node has one thread, so a long script
 * must hand the event loop back for other clients to get BUSY and for SCRIPT KILL to arrive. The
 * chunk therefore runs inside a Lua coroutine whose count hook (every HOOK_COUNT instructions)
 * checks the clock. Once busy-reply-threshold has passed, the run becomes "timed out": it logs
 * Redis's slow-script warning, sets server.busyGate (every other client's command gets BUSY
 * except the allow_busy ones: SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE, ...), holds the
 * calling client's further input (client.scriptPending) and, about every YIELD_SLICE_MS, yields
 * from the hook; setImmediate resumes it. Nothing touches the dataset between slices (the
 * cron skips while busyGate is set, and the script's propagated effects stay one unit: dispatch
 * does not flush them while the script runs). When the script ends, its reply goes to the caller,
 * the unit is flushed, blocked clients readied by it are served, and the caller's pending input
 * runs. A hook can only yield where Lua allows it (not inside a JS callback such as a table.sort
 * comparator), so the yield may come a little later; inside EXEC, or for a caller without a
 * socket (AOF loading), the script stays synchronous to its end. SCRIPT KILL marks the run; the
 * hook then raises Redis's error (and keeps raising it on every line, so pcall cannot swallow it).
 */

/** Script flags, with Redis's bit values (SCRIPT_FLAG_* in script.h). */
export const SCRIPT_FLAG = {
  NO_WRITES: 1,
  ALLOW_OOM: 2,
  ALLOW_STALE: 4,
  NO_CLUSTER: 8,
  /** EVAL without a shebang: 6.x semantics (flags not declared). */
  EVAL_COMPAT: 16,
  ALLOW_CROSS_SLOT: 32,
} as const;

/** Flag names as scripts and register_function declare them (scripts_flags_def). */
export const SCRIPT_FLAG_NAMES: readonly (readonly [string, number])[] = [
  ['no-writes', SCRIPT_FLAG.NO_WRITES],
  ['allow-oom', SCRIPT_FLAG.ALLOW_OOM],
  ['allow-stale', SCRIPT_FLAG.ALLOW_STALE],
  ['no-cluster', SCRIPT_FLAG.NO_CLUSTER],
  ['allow-cross-slot-keys', SCRIPT_FLAG.ALLOW_CROSS_SLOT],
];

/** What to run and for whom. */
export interface RunRequest {
  /** The client that sent EVAL/FCALL: it gets the reply, its db and user apply. */
  readonly caller: Client;
  /** The compiled function (engine.compile's ref). */
  readonly ref: number;
  /** The sha (EVAL) or function name (FCALL): errors say "script: <name>". */
  readonly name: string;
  readonly keys: readonly string[];
  readonly args: readonly string[];
  /** SCRIPT_FLAG bits (EVAL_COMPAT for an EVAL without shebang). */
  readonly flags: number;
  /** EVAL_RO, EVALSHA_RO, FCALL_RO. */
  readonly readOnly: boolean;
}

/** The run in progress (Redis's scriptRunCtx). */
export class ScriptRun {
  /** A write command ran (SCRIPT_WRITE_DIRTY): the script can no longer be killed. */
  wroteDirty = false;
  killed = false;
  /** Past busy-reply-threshold: other clients get BUSY. */
  timedOut = false;
  /** Propagation of the script's writes (redis.set_repl): REPL_ALL by default. */
  replFlags = 3;
  readonly startMs = performance.now();
  /** Time snapshot of the run (keys do not expire during a script). */
  readonly snapshot: number;
  /** Set when the run left its command (yielded to the event loop). */
  async = false;
  /** When the current slice started. */
  resumedAt = 0;
  /** The count hook is the one that yielded. */
  hookYielded = false;

  constructor(
    readonly engine: LuaEngine,
    readonly request: RunRequest,
    /** The client redis.call runs commands as. */
    readonly scriptClient: Client,
    /** SCRIPT_READ_ONLY: write commands are refused. */
    readonly readOnly: boolean,
    readonly allowOom: boolean,
    /** OOM was detected when the script started (pre_command_oom_state). */
    readonly startedOom: boolean,
    /** May hand the event loop back (see the file comment). */
    readonly canYield: boolean,
  ) {
    this.snapshot = engine.server.now;
  }

  get isEval(): boolean {
    return this.engine.kind === 'eval';
  }
}

/** Instructions between two checks of the clock. */
const HOOK_COUNT = 1000;
/** Once timed out, how long a slice runs before the event loop gets a turn. */
const YIELD_SLICE_MS = 5;

const running = new WeakMap<Server, ScriptRun>();

/** The script (or function) running now on this server, if any. */
export function runningScript(server: Server): ScriptRun | null {
  return running.get(server) ?? null;
}

export const BUSY_EVAL_ERROR = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION_ERROR = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';

/** SCRIPT KILL (isEval) and FUNCTION KILL, as scriptKill() answers them. */
export function killScript(c: Client, isEval: boolean): void {
  const run = runningScript(c.server);
  if (run === null) {
    c.reply.error('NOTBUSY No scripts in execution right now.');
    return;
  }
  if (run.wroteDirty) {
    c.reply.error('UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.');
    return;
  }
  if (isEval && !run.isEval) {
    c.reply.error(BUSY_FUNCTION_ERROR);
    return;
  }
  if (!isEval && run.isEval) {
    c.reply.error(BUSY_EVAL_ERROR);
    return;
  }
  run.killed = true;
  c.reply.ok();
}

/** processCommand's BUSY check while a script is timed out (installed as server.busyGate). */
function busyGate(run: ScriptRun): (c: Client, cmd: { fullName: string; flags: Set<string> }, argv: string[]) => string | null {
  return (c, cmd, argv) => {
    if (c === run.request.caller) return null;
    const busy = run.isEval ? BUSY_EVAL_ERROR : BUSY_FUNCTION_ERROR;
    if (!cmd.flags.has('allow_busy')) return busy;
    // shutdownCommand: only SHUTDOWN NOSAVE may end a server whose script is running.
    if (cmd.fullName === 'shutdown' && !argv.slice(1).some((a) => a.toLowerCase() === 'nosave')) return busy;
    return null;
  };
}

export class LuaEngine {
  readonly L: LuaState;
  /** The coroutine scripts run in; replaced after a run that ended in a raw error. */
  private co: LuaState | null = null;
  private active: ScriptRun | null = null;
  /** The client scripts run their commands as (Redis's lua_client / engine client). */
  readonly scriptClient: Client;

  constructor(
    readonly server: Server,
    readonly kind: 'eval' | 'function',
  ) {
    const L = lauxlib.luaL_newstate();
    this.L = L;
    // A JS exception escaping a library function becomes a Lua error rather than a crash.
    lua.lua_atnativeerror(L, (l) => {
      const e = lua.lua_touserdata(l, 1);
      server.log.warning(`Lua engine: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      lua.lua_pushstring(l, toLuaString(String(e)));
      return 1;
    });
    openLua51Environment(L);
    openRedisLibraries(L);
    registerRedisApi(this);
    this.installErrorHandler();
    this.scriptClient = new Client(0, server, null);
    this.scriptClient.inScript = true;
    if (kind === 'eval') this.protect();
  }

  /** The run in progress on this engine, for the redis.* functions. */
  get current(): ScriptRun | null {
    return this.active;
  }

  /**
   * Redis's __redis__err__handler: turns any error into {err=..., source=..., line=...}, where
   * the position is that of the Lua code that raised it (its caller when a JS function did).
   * A global for EVAL as in Redis; functions keep it in the registry.
   */
  private installErrorHandler(): void {
    const L = this.L;
    const src =
      'local dbg = debug\n' +
      'return function(err)\n' +
      "  local i = dbg.getinfo(2,'nSl')\n" +
      "  if i and i.what == 'C' then\n" +
      "    i = dbg.getinfo(3,'nSl')\n" +
      '  end\n' +
      "  if type(err) ~= 'table' then\n" +
      "    err = {err='ERR ' .. tostring(err)}" +
      '  end' +
      '  if i then\n' +
      "    err['source'] = i.source\n" +
      "    err['line'] = i.currentline\n" +
      '  end' +
      '  return err\n' +
      'end\n';
    if (lauxlib.luaL_loadbuffer(L, toLuaString(src), null, '@err_handler_def') !== lua.LUA_OK) throw new Error('error handler');
    lua.lua_call(L, 0, 1);
    lua.lua_pushvalue(L, -1);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, '__redis__err__handler');
    if (this.kind === 'eval') lua.lua_setglobal(L, '__redis__err__handler');
    else lua.lua_pop(L, 1);
    lua.lua_pushnil(L);
    lua.lua_setglobal(L, 'debug');
  }

  /** Locks the globals: unknown names raise errors, every reachable table becomes read-only. */
  protect(): void {
    protectGlobals(this.L);
  }

  /** Compiles a chunk; the function stays referenced in the registry until release(). */
  compile(body: string, chunkName: string): { ref: number } | { error: string } {
    const L = this.L;
    if (lauxlib.luaL_loadbuffer(L, toLuaString(body), null, chunkName) !== lua.LUA_OK) {
      const msg = lua.lua_tolstring(L, -1);
      lua.lua_pop(L, 1);
      return { error: msg === null ? 'unknown error' : Buffer.from(msg).latin1Slice(0, msg.length) };
    }
    return { ref: lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX) };
  }

  release(ref: number): void {
    lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, ref);
  }

  /**
   * scriptPrepareForRun's checks, then the run. Writes the reply (or error) to the caller, now or,
   * for a script that outlives busy-reply-threshold, when it ends.
   */
  run(req: RunRequest): void {
    const c = req.caller;
    const server = this.server;
    const declared = (req.flags & SCRIPT_FLAG.EVAL_COMPAT) === 0;
    const noWrites = (req.flags & SCRIPT_FLAG.NO_WRITES) !== 0;
    // pre_command_oom_state: dispatch has just evicted what it could; asking again tells whether it sufficed.
    const startedOom = server.maxmemory !== 0 && !performEvictions(server);
    // CLIENT_ALLOW_OOM: what a master or the AOF sends is obeyed whatever the memory.
    const allowOomClient = c.role === 'master' || c.socket === null;
    if (declared) {
      if (!noWrites) {
        if (server.writeGate !== null) {
          const refused = server.writeGate(c, server.commands.get('set')!, ['set']);
          if (refused !== null) {
            c.reply.error(refused.startsWith('MISCONF') ? 'MISCONF Redis is configured to save RDB snapshots, but it\'s currently unable to persist to disk. Writable scripts are blocked. Use \'no-writes\' flag for read only scripts.' : refused);
            return;
          }
        }
        if (req.readOnly) {
          c.reply.error('ERR Can not execute a script with write flag using *_ro command.');
          return;
        }
      }
      if (startedOom && !allowOomClient && (req.flags & (SCRIPT_FLAG.ALLOW_OOM | SCRIPT_FLAG.NO_WRITES)) === 0) {
        c.reply.error("OOM command not allowed when used memory > 'maxmemory'.");
        return;
      }
    }
    if (running.has(server)) {
      // A script calling a script is refused before it gets here (EVAL/FCALL are noscript).
      c.reply.error('ERR a script is already running');
      return;
    }
    const sc = this.scriptClient;
    sc.db = c.db;
    sc.user = c.user;
    sc.reply.resp = 2;
    sc.authenticated = true;
    const readOnly = req.readOnly || (declared && noWrites);
    const allowOom = allowOomClient || (declared && (req.flags & SCRIPT_FLAG.ALLOW_OOM) !== 0);
    const canYield = c.socket !== null && !c.inExec && !c.inScript;
    const run = new ScriptRun(this, req, sc, readOnly, allowOom, startedOom, canYield);
    this.active = run;
    running.set(server, run);
    this.start(run);
  }

  private thread(): LuaState {
    if (this.co === null) {
      this.co = lua.lua_newthread(this.L);
      // Keep the thread referenced so it is not collected while in use.
      lua.lua_setfield(this.L, lua.LUA_REGISTRYINDEX, SCRIPT_THREAD_KEY);
      lua.lua_sethook(this.co, this.hook, lua.LUA_MASKCOUNT, HOOK_COUNT);
    }
    return this.co;
  }

  private start(run: ScriptRun): void {
    const co = this.thread();
    const req = run.request;
    lua.lua_settop(co, 0);
    // A killed run left the hook on every line.
    lua.lua_sethook(co, this.hook, lua.LUA_MASKCOUNT, HOOK_COUNT);
    lua.lua_pushjsfunction(co, runner);
    lua.lua_getfield(co, lua.LUA_REGISTRYINDEX, '__redis__err__handler');
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, req.ref);
    pushArray(co, req.keys);
    pushArray(co, req.args);
    let nargs = 2;
    if (this.kind === 'eval') {
      // On EVAL, KEYS and ARGV are globals (set through the read-only lock).
      lua.lua_pushglobaltable(co);
      const g = lua.lua_gettop(co);
      lua.lua_enablereadonlytable(co, g, false);
      lua.lua_pushvalue(co, g - 1);
      lua.lua_setfield(co, g, 'ARGV');
      lua.lua_pushvalue(co, g - 2);
      lua.lua_setfield(co, g, 'KEYS');
      lua.lua_enablereadonlytable(co, g, true);
      lua.lua_settop(co, g - 3);
      nargs = 0;
    }
    this.resume(run, 2 + nargs);
  }

  /** Runs the coroutine until it ends or yields (timed out). */
  private resume(run: ScriptRun, nargs: number): void {
    const co = this.co!;
    run.resumedAt = performance.now();
    const status = lua.lua_resume(co, this.L, nargs);
    if (status === lua.LUA_YIELD && !run.hookYielded) {
      // Only the hook yields this thread (coroutine.yield refuses to): never leave a script half-run.
      this.co = null;
      run.request.caller.reply.error('ERR attempt to yield across metamethod/C-call boundary');
      this.cleanup(run);
      return;
    }
    if (status === lua.LUA_YIELD) {
      run.hookYielded = false;
      if (!run.async) {
        run.async = true;
        run.request.caller.scriptPending = true;
      }
      setImmediate(() => this.continueRun(run));
      return;
    }
    this.finish(run, status);
  }

  private continueRun(run: ScriptRun): void {
    const server = this.server;
    if (server.shuttingDown) {
      // SHUTDOWN NOSAVE: the script dies with the server.
      this.co = null;
      this.cleanup(run);
      return;
    }
    server.now = run.snapshot;
    this.resume(run, 0);
  }

  private finish(run: ScriptRun, status: number): void {
    const co = this.co!;
    const c = run.request.caller;
    const out = c.replyMode === 'on' || !run.async ? c.reply : null;
    if (status === lua.LUA_OK) {
      const ok = lua.lua_toboolean(co, -1);
      lua.lua_pop(co, 1);
      if (out !== null) {
        if (ok) writeLuaValue(co, out, run.scriptClient.reply.resp);
        else if (lua.lua_istable(co, -1)) writeErrorTable(co, out, run.request.name);
        else {
          const msg = lua.lua_isstring(co, -1) ? fromLuaString(lua.lua_tolstring(co, -1)!) : 'execution failure';
          out.error(`ERR Error running script ${run.request.name}, ${msg.slice(0, 100)}`);
        }
      }
      lua.lua_settop(co, 0);
    } else {
      // Only an error the runner's pcall could not catch lands here; the thread is dead.
      const msg = lua.lua_isstring(co, -1) ? fromLuaString(lua.lua_tolstring(co, -1)!) : 'execution failure';
      out?.error(`ERR Error running script ${run.request.name}, ${msg.slice(0, 100)}`);
      this.co = null;
    }
    this.cleanup(run);
  }

  private cleanup(run: ScriptRun): void {
    const server = this.server;
    const c = run.request.caller;
    this.active = null;
    running.delete(server);
    if (run.timedOut) server.busyGate = null;
    if (!run.async) return;
    // The script's command returned long ago: end its unit now and let the caller go on.
    c.scriptPending = false;
    server.now = Date.now();
    server.propagation.flush();
    if (server.blocking.hasReady) server.blocking.serveReady();
    server.flush(c);
    if (!c.closed && c.blocked === null) {
      server.processInput(c);
      server.flush(c);
    }
  }

  /** The count hook: kill, BUSY threshold, and yields once timed out. */
  private readonly hook: LuaHook = (L) => {
    const run = this.active;
    if (run === null) return;
    if (run.killed) {
      this.server.log.warning('Lua script killed by user with SCRIPT KILL.');
      // From now on every line raises it again, so a pcall in the script cannot keep it running.
      lua.lua_sethook(L, this.hook, lua.LUA_MASKLINE, 0);
      pushErrorTableText(L, 'ERR Script killed by user with SCRIPT KILL...');
      lua.lua_error(L);
    }
    const now = performance.now();
    const threshold = this.server.config.int('busy-reply-threshold');
    if (!run.timedOut && threshold > 0 && now - run.startMs >= threshold && run.canYield) {
      run.timedOut = true;
      const what = run.isEval ? 'script' : 'function';
      this.server.log.warning(
        `Slow script detected: still in execution after ${Math.round(now - run.startMs)} milliseconds. You can try killing the script using the ${run.isEval ? 'SCRIPT' : 'FUNCTION'} KILL command. ${what === 'script' ? 'Script' : 'Function'} name is: ${run.request.name}.`,
      );
      this.server.busyGate = busyGate(run);
    }
    if (run.timedOut && L === this.co && now - run.resumedAt >= YIELD_SLICE_MS && lua.lua_isyieldable(L)) {
      run.hookYielded = true;
      lua.lua_yield(L, 0);
    }
  };
}

function pushErrorTableText(L: LuaState, text: string): void {
  lua.lua_newtable(L);
  lua.lua_pushstring(L, 'err');
  lua.lua_pushstring(L, toLuaString(text));
  lua.lua_settable(L, -3);
}

function pushArray(L: LuaState, items: readonly string[]): void {
  lua.lua_createtable(L, items.length, 0);
  for (let i = 0; i < items.length; i++) {
    lua.lua_pushstring(L, toLuaString(items[i]!));
    lua.lua_rawseti(L, -2, i + 1);
  }
}

/**
 * The body of the coroutine: stack [handler, function, args...]. pcallk keeps the call
 * yieldable; its continuation answers (result, true) or (error table, false).
 */
const afterCall: LuaKFunction = (L, status) => {
  lua.lua_pushboolean(L, status === lua.LUA_OK || status === lua.LUA_YIELD);
  return 2;
};
const runner: LuaJsFunction = (L) => {
  const nargs = lua.lua_gettop(L) - 2;
  const status = lua.lua_pcallk(L, nargs, 1, 1, 0, afterCall);
  return afterCall(L, status, 0);
};

/** Parses "flags=a,b" names (shebang / register_function); null names the first unknown one. */
export function parseFlagNames(names: readonly string[]): { flags: number } | { unknown: string } {
  let flags = 0;
  for (const n of names) {
    const f = SCRIPT_FLAG_NAMES.find(([name]) => name === n);
    if (f === undefined) return { unknown: n };
    flags |= f[1];
  }
  return { flags };
}
