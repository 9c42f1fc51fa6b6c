import fs from 'node:fs';
import path from 'node:path';
import type { Aof } from './aof.js';
import { fsyncDir } from './manifest.js';

/**
 * BGREWRITEAOF without fork (rewriteAppendOnlyFileBackground + backgroundRewriteDoneHandler):
 * at the start, appends switch to a new incremental file and the dataset is taken as a base
 * file's bytes in the same synchronous step, so the base is exactly the dataset at the switch
 * and every later write is in the new incremental file. The bytes are then written to a temp
 * file, fsynced and renamed into the AOF directory off the command path; only then does the
 * manifest name the new base (temp manifest, fsync, rename), and the old files go.
 */

/** Bumped by stopAppendOnly / a newer rewrite: a rewrite finishing under an old generation is dropped. */
const generations = new WeakMap<Aof, number>();

function tempIncrName(aof: Aof): string {
  return `temp-${aof.fileName}.incr`;
}

/** rewriteAppendOnlyFileBackground: false (and logged) when it could not start. */
export function startRewrite(aof: Aof): boolean {
  const server = aof.server;
  if (aof.rewrite.inProgress) return false;
  const gen = (generations.get(aof) ?? 0) + 1;
  generations.set(aof, gen);
  let newIncr: string | null = null;
  let snapshot: { data: Buffer; rdb: boolean };
  try {
    fs.mkdirSync(aof.appendDir, { recursive: true });
    // openNewIncrAofForAppend: with AOF on, the next incremental file joins the manifest now;
    // while turning AOF on, a temporary one collects the writes until the base exists.
    if (aof.state !== 'off') {
      aof.closeCurrent();
      if (aof.state === 'wait_rewrite') {
        newIncr = tempIncrName(aof);
        fs.rmSync(path.join(aof.appendDir, newIncr), { force: true });
        aof.fd = aof.openForAppend(newIncr);
      } else {
        const m = aof.manifest.clone();
        newIncr = aof.newIncrName(m);
        aof.fd = aof.openForAppend(newIncr);
        aof.persistManifest(m);
        aof.manifest = m;
      }
      aof.selectedDb = -1;
      server.log.notice(`Creating AOF incr file ${newIncr} on background rewrite`);
    }
    // The point-in-time view: taken now, before any other command runs.
    snapshot = aof.baseFileContents();
  } catch (e) {
    server.log.warning(`Can't rewrite append only file in background: ${(e as Error).message}`);
    aof.rewrite.lastStatus = 'err';
    aof.rewrite.consecutiveFailures++;
    return false;
  }
  aof.rewrite.inProgress = true;
  aof.rewrite.scheduled = false;
  aof.rewrite.startedAt = Date.now();
  server.log.notice(`Background append only file rewriting started by pid ${process.pid}`);
  const tmp = path.join(aof.dir, `temp-rewriteaof-bg-${process.pid}.aof`);
  const { data, rdb } = snapshot;
  void writeTemp(tmp, data)
    .then(() => ({ size: data.length, rdb }))
    .then(
      ({ size, rdb }) => {
        if (generations.get(aof) !== gen) {
          fs.rm(tmp, { force: true }, () => {});
          return;
        }
        finishRewrite(aof, tmp, size, rdb);
      },
      (e: Error) => {
        fs.rm(tmp, { force: true }, () => {});
        if (generations.get(aof) !== gen) return;
        failRewrite(aof, e.message);
      },
    );
  return true;
}

async function writeTemp(file: string, data: Buffer): Promise<void> {
  const fh = await fs.promises.open(file, 'w', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function failRewrite(aof: Aof, why: string): void {
  const server = aof.server;
  aof.rewrite.inProgress = false;
  aof.rewrite.lastStatus = 'err';
  aof.rewrite.consecutiveFailures++;
  aof.rewrite.lastTimeSec = Math.floor((Date.now() - aof.rewrite.startedAt) / 1000);
  server.log.warning(`Background AOF rewrite failed: ${why}`);
  if (aof.state === 'wait_rewrite') {
    // Turning AOF on failed: go back to off, as Redis does when its child fails.
    aof.closeCurrent();
    fs.rm(path.join(aof.appendDir, tempIncrName(aof)), { force: true }, () => {});
    aof.state = 'off';
    aof.stopAppending();
  }
}

/** backgroundRewriteDoneHandler. */
function finishRewrite(aof: Aof, tmp: string, size: number, rdb: boolean): void {
  const server = aof.server;
  try {
    const m = aof.manifest.clone();
    const baseName = aof.newBaseName(m, rdb);
    fs.renameSync(tmp, path.join(aof.appendDir, baseName));
    server.log.notice(`Successfully renamed the temporary AOF base file temp-rewriteaof-bg-${process.pid}.aof into ${baseName}`);
    if (aof.state === 'wait_rewrite') {
      // All older incremental files are history; the temporary one becomes the first new one.
      for (const f of m.incr) m.history.push({ ...f, type: 'h' });
      m.incr = [];
      const incrName = aof.newIncrName(m);
      fs.renameSync(path.join(aof.appendDir, tempIncrName(aof)), path.join(aof.appendDir, incrName));
      server.log.notice(`Successfully renamed the temporary AOF incr file ${tempIncrName(aof)} into ${incrName}`);
    } else if (aof.state === 'on') {
      // markRewrittenIncrAofAsHistory: all but the file opened when the rewrite started.
      const keep = m.incr.pop();
      for (const f of m.incr) m.history.push({ ...f, type: 'h' });
      m.incr = keep ? [keep] : [];
    } else {
      // AOF off: only the base is kept (no incremental file is being written).
      for (const f of m.incr) m.history.push({ ...f, type: 'h' });
      m.incr = [];
    }
    aof.persistManifest(m);
    aof.manifest = m;
    fsyncDir(aof.appendDir);
    aof.baseSize = size;
    let cur = size;
    for (const f of m.incr) cur += aof.fileSize(f.name);
    // What is still buffered for the current file counts as written soon.
    aof.currentSize = cur;
    aof.fsyncOffset = Math.min(aof.fsyncOffset, cur);
    if (aof.state === 'wait_rewrite') {
      aof.state = 'on';
      aof.fsyncOffset = cur;
    }
    aof.rewrite.inProgress = false;
    aof.rewrite.lastStatus = 'ok';
    aof.rewrite.consecutiveFailures = 0;
    aof.rewrite.count++;
    aof.rewrite.lastTimeSec = Math.floor((Date.now() - aof.rewrite.startedAt) / 1000);
    aof.deleteHistoryFiles();
    server.log.notice('Background AOF rewrite terminated with success');
    server.log.notice('Background AOF rewrite finished successfully');
  } catch (e) {
    fs.rm(tmp, { force: true }, () => {});
    failRewrite(aof, (e as Error).message);
    return;
  }
}

/**
 * serverCron's AOF part: a scheduled rewrite starts once no other background job runs; with AOF
 * on, a rewrite starts by itself when the AOF grew auto-aof-rewrite-percentage past its base
 * (and is over auto-aof-rewrite-min-size).
 */
export function rewriteCron(aof: Aof, otherJobActive: boolean): void {
  if (aof.rewrite.inProgress || otherJobActive) return;
  if (aof.rewrite.scheduled) {
    runScheduled(aof);
    return;
  }
  if (aof.state !== 'on' || aof.fd === null) return;
  const config = aof.server.config;
  const perc = config.int('auto-aof-rewrite-percentage');
  if (perc === 0 || aof.currentSize <= config.int('auto-aof-rewrite-min-size')) return;
  const base = aof.baseSize === 0 ? 1 : aof.baseSize;
  const growth = Math.floor((aof.currentSize * 100) / base) - 100;
  if (growth >= perc) {
    aof.server.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
    startRewrite(aof);
  }
}

/** A rewrite asked for while one was running or inside EXEC (aof_rewrite_scheduled). */
export function runScheduled(aof: Aof): void {
  if (!aof.rewrite.scheduled || aof.rewrite.inProgress) return;
  aof.rewrite.scheduled = false;
  startRewrite(aof);
}

/** killAppendOnlyChild at shutdown: the running rewrite's result is dropped (its temp file removed). */
export function abortRewrite(aof: Aof): void {
  if (!aof.rewrite.inProgress) return;
  aof.server.log.warning('There is a child rewriting the AOF. Killing it!');
  generations.set(aof, (generations.get(aof) ?? 0) + 1);
  aof.rewrite.inProgress = false;
}

/** stopAppendOnly: CONFIG SET appendonly no. */
export function stopAppendOnly(aof: Aof): void {
  aof.closeCurrent();
  const wasWaiting = aof.state === 'wait_rewrite';
  aof.state = 'off';
  aof.rewrite.scheduled = false;
  aof.stopAppending();
  if (aof.rewrite.inProgress) {
    // killAppendOnlyChild: the running rewrite's result is dropped.
    generations.set(aof, (generations.get(aof) ?? 0) + 1);
    aof.rewrite.inProgress = false;
    aof.server.log.notice('Killing running AOF rewrite child');
  }
  if (wasWaiting) fs.rm(path.join(aof.appendDir, `temp-${aof.fileName}.incr`), { force: true }, () => {});
}

/** startAppendOnly: CONFIG SET appendonly yes; false when the rewrite could not start. */
export function startAppendOnly(aof: Aof, inExec: boolean, otherJobActive: boolean): boolean {
  aof.state = 'wait_rewrite';
  aof.policy = aof.server.config.get('appendfsync');
  if (inExec) {
    aof.rewrite.scheduled = true;
    aof.server.log.warning('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
  } else if (otherJobActive) {
    aof.rewrite.scheduled = true;
    aof.server.log.warning('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
  } else {
    if (aof.rewrite.inProgress) {
      aof.server.log.warning('AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.');
      generations.set(aof, (generations.get(aof) ?? 0) + 1);
      aof.rewrite.inProgress = false;
    }
    if (!startRewrite(aof)) {
      aof.state = 'off';
      aof.server.log.warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
      return false;
    }
  }
  aof.lastFsync = Date.now();
  aof.startAppending();
  return true;
}
