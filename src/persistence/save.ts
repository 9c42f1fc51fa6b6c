import fs from 'node:fs';
import path from 'node:path';
import type { Server } from '../server/server.js';
import { encodeDataset } from './rdb/file.js';
import { BackgroundSave } from './snapshot.js';
import { persistenceState } from './state.js';

/** The RDB file's path: dbfilename in dir (dir '' is the working directory). */
export function rdbPath(server: Server): string {
  return path.resolve(server.config.get('dir') || process.cwd(), server.config.get('dbfilename'));
}

/**
 * temp-<pid>.rdb, as rdbSave names it. A BGSAVE's file has a name of its own (Redis's child has
 * its own pid), so a SAVE right after an aborted BGSAVE (SHUTDOWN, FLUSHALL) never shares it.
 */
function tempPath(server: Server, background = false): string {
  return path.resolve(server.config.get('dir') || process.cwd(), `temp-${process.pid}${background ? '-bg' : ''}.rdb`);
}

/** fsyncFileDir: the rename itself made durable (Redis 7.0 does the same after rdbSave). */
export function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the file itself is already synced.
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** killRDBChild: drops the running BGSAVE (its temporary file goes, dump.rdb stays as it was). */
export function abortBackgroundSave(server: Server): void {
  const st = persistenceState(server);
  if (st.bgsave === null) return;
  st.bgsave.abort();
  st.bgsave = null;
}

/**
 * rdbSave: the whole dataset to a temporary file, fsync, rename over dbfilename. Logs and
 * answers false on failure, leaving the old file in place.
 */
export function saveSync(server: Server): boolean {
  const st = persistenceState(server);
  const temp = tempPath(server);
  let fd: number;
  try {
    fd = fs.openSync(temp, 'w');
  } catch (e) {
    server.log.warning(
      `Failed opening the temp RDB file ${path.basename(temp)} (in server root dir ${path.dirname(temp)}) for saving: ${(e as Error).message}`,
    );
    return false;
  }
  try {
    const data = encodeDataset(server);
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(temp, rdbPath(server));
    fsyncDir(path.dirname(temp));
  } catch (e) {
    server.log.warning(`Write error saving DB on disk: ${(e as Error).message}`);
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    fs.rmSync(temp, { force: true });
    return false;
  }
  server.log.notice('DB saved on disk');
  server.dirty = 0;
  server.lastSave = Math.floor(Date.now() / 1000);
  st.lastBgsaveStatus = 'ok';
  st.saves++;
  return true;
}

/**
 * rdbSaveBackground: starts a BGSAVE. The dataset as of now is written while the server keeps
 * serving (see snapshot.ts); the outcome lands in the persistence state, as Redis's
 * backgroundSaveDoneHandler does. Answers the job.
 */
export function startBackgroundSave(server: Server): BackgroundSave {
  const st = persistenceState(server);
  const dirtyBefore = server.dirty;
  st.lastBgsaveTry = Math.floor(Date.now() / 1000);
  const job = new BackgroundSave(server, { target: rdbPath(server), temp: tempPath(server, true) });
  st.bgsave = job;
  server.log.notice(`Background saving started by pid ${process.pid}`);
  job.done.then(
    () => {
      if (st.bgsave === job) st.bgsave = null;
      server.log.notice('DB saved on disk');
      server.log.notice('Background saving terminated with success');
      server.dirty -= dirtyBefore;
      if (server.dirty < 0) server.dirty = 0;
      server.lastSave = Math.floor(Date.now() / 1000);
      st.lastBgsaveStatus = 'ok';
      st.lastBgsaveTimeSec = Math.floor((Date.now() - job.startedAt) / 1000);
      st.saves++;
    },
    (e: unknown) => {
      if (st.bgsave === job) st.bgsave = null;
      st.lastBgsaveTimeSec = Math.floor((Date.now() - job.startedAt) / 1000);
      if ((e as Error).message === 'the save was aborted') {
        server.log.warning('Background saving terminated by signal 10');
        return;
      }
      server.log.warning(`Write error saving DB on disk: ${(e as Error).message}`);
      server.log.warning('Background saving error');
      st.lastBgsaveStatus = 'err';
    },
  );
  return job;
}
