import type { Server } from '../server/server.js';
import type { BackgroundSave } from './snapshot.js';

/** Per-server persistence state: what INFO persistence, LASTSAVE and the save points read. */
export class PersistenceState {
  /** The BGSAVE running now, if any. */
  bgsave: BackgroundSave | null = null;
  /** BGSAVE SCHEDULE (or BGSAVE inside MULTI) waiting for the running job to end. */
  bgsaveScheduled = false;
  lastBgsaveStatus: 'ok' | 'err' = 'ok';
  /** Seconds the last BGSAVE took, -1 before the first. */
  lastBgsaveTimeSec = -1;
  /** Unix seconds of the last BGSAVE attempt (the retry delay after a failure). */
  lastBgsaveTry = 0;
  saves = 0;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  /** Loading progress while `server.loading` (INFO loading_* fields). */
  loadStartTime = 0;
  loadTotalBytes = 0;
  loadLoadedBytes = 0;
  loadRdbUsedMem = 0;
  /**
   * Whether another background job holds the "child" (the AOF rewrite sets this): BGSAVE then
   * answers as Redis does with an active child.
   */
  otherChildActive: () => boolean = () => false;
}

const states = new WeakMap<Server, PersistenceState>();

export function persistenceState(server: Server): PersistenceState {
  let s = states.get(server);
  if (s === undefined) {
    s = new PersistenceState();
    states.set(server, s);
  }
  return s;
}
