import fs from 'node:fs';
import path from 'node:path';
import type { Server } from '../../server/server.js';
import type { PropagatedOp } from '../../server/propagate.js';
import { Manifest, parseManifest, writeFileDurably, fsyncDir } from './manifest.js';
import { encodeCommand, RespChunks, rewriteDatasetAsCommands } from './resp-writer.js';
import { encodeRdb } from '../rdb/index.js';

/**
 * The append-only file as Redis 7.0's aof.c: propagated commands are rendered as RESP into a
 * buffer (feedAppendOnlyFile), written to the current incremental file before the replies of
 * the batch leave (beforeSleep's flushAppendOnlyFile) and fsynced per `appendfsync`: `always` at
 * once, before the replies; `everysec` from a timer through libuv's thread pool, off the command
 * path; `no` never. Rewrites (rewrite.ts) switch to a new incremental file and a new base.
 */

export type AofState = 'off' | 'on' | 'wait_rewrite';

/** C's strerror for the errors a write or fsync can give (the rest keep Node's message). */
const STRERROR = new Map([
  ['ENOSPC', 'No space left on device'],
  ['EIO', 'Input/output error'],
  ['EDQUOT', 'Disk quota exceeded'],
  ['EBADF', 'Bad file descriptor'],
  ['EFBIG', 'File too large'],
  ['EROFS', 'Read-only file system'],
  ['EACCES', 'Permission denied'],
]);

export function strerror(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code !== undefined ? STRERROR.get(code) : undefined) ?? e.message;
}

/** What INFO persistence shows and the rewrite keeps. */
export interface RewriteStats {
  inProgress: boolean;
  scheduled: boolean;
  /** When the running rewrite started (ms), for aof_current_rewrite_time_sec. */
  startedAt: number;
  lastTimeSec: number;
  lastStatus: 'ok' | 'err';
  count: number;
  consecutiveFailures: number;
}

export class Aof {
  state: AofState;
  manifest = new Manifest();
  /** The file appends go to (the last incremental one, or the temporary one during WAIT_REWRITE). */
  fd: number | null = null;
  /** Database of the last SELECT written to the current file (-1: none yet). */
  selectedDb = -1;
  private buf: string[] = [];
  private bufLen = 0;
  /** Bytes of the current base and incremental files (aof_current_size) and of the base. */
  currentSize = 0;
  baseSize = 0;
  /** aof_current_size when the last completed fsync started. */
  fsyncOffset = 0;
  lastFsync = Date.now();
  fsyncInProgress = false;
  delayedFsync = 0;
  lastWriteStatus: 'ok' | 'err' = 'ok';
  /** strerror of the last failed write or fsync (the MISCONF reply quotes it). */
  lastWriteError = '';
  private lastWriteErrorLog = 0;
  /** Bumped when the current file is closed: a background fsync started before is then moot. */
  private fileGen = 0;
  /** Last `#TS:` annotation written (aof-timestamp-enabled). */
  private curTimestamp = 0;
  readonly rewrite: RewriteStats = { inProgress: false, scheduled: false, startedAt: 0, lastTimeSec: -1, lastStatus: 'ok', count: 0, consecutiveFailures: 0 };
  private fsyncTimer: NodeJS.Timeout | null = null;
  policy: string;
  /** The propagation listener, registered only while AOF is on (so commands skip the work when off). */
  private readonly listener = (ops: readonly PropagatedOp[]) => this.feed(ops);

  constructor(readonly server: Server) {
    this.state = server.config.bool('appendonly') ? 'on' : 'off';
    this.policy = server.config.get('appendfsync');
  }

  get dir(): string {
    return path.resolve(this.server.config.get('dir'));
  }

  get appendDir(): string {
    return path.join(this.dir, this.server.config.get('appenddirname'));
  }

  get fileName(): string {
    return this.server.config.get('appendfilename');
  }

  get manifestName(): string {
    return `${this.fileName}.manifest`;
  }

  /** Reads the manifest from disk (aofLoadManifestFromDisk); an absent one is empty. */
  loadManifestFromDisk(): void {
    const p = path.join(this.appendDir, this.manifestName);
    if (!fs.existsSync(this.appendDir) || !fs.existsSync(p)) {
      this.manifest = new Manifest();
      return;
    }
    this.manifest = parseManifest(fs.readFileSync(p, 'latin1'));
  }

  /** persistAofManifest: temp file, fsync, rename, fsync of the directory. */
  persistManifest(m: Manifest = this.manifest): void {
    writeFileDurably(this.appendDir, this.manifestName, `temp-${this.manifestName}`, m.format());
  }

  /** The propagation listener: feedAppendOnlyFile for each op of one execution unit. */
  feed(ops: readonly PropagatedOp[]): void {
    if (this.fd === null || this.state === 'off') return;
    if (this.server.config.bool('aof-timestamp-enabled')) {
      const sec = Math.floor(Date.now() / 1000);
      if (sec > this.curTimestamp) {
        this.curTimestamp = sec;
        this.push(`#TS:${sec}\r\n`);
      }
    }
    for (const op of ops) {
      if (op.db !== -1 && op.db !== this.selectedDb) {
        this.push(encodeCommand(['SELECT', String(op.db)]));
        this.selectedDb = op.db;
      }
      this.push(encodeCommand(op.argv));
    }
  }

  private push(s: string): void {
    this.buf.push(s);
    this.bufLen += s.length;
  }

  get bufferLength(): number {
    return this.bufLen;
  }

  /**
   * flushAppendOnlyFile: writes the buffer to the current file (a plain write(2) into the page
   * cache, as Redis does in beforeSleep, so a killed process loses nothing it acknowledged) and,
   * under `always`, fsyncs before returning, i.e. before the replies are sent.
   */
  flush(force = false): void {
    const fd = this.fd;
    if (fd === null || !this.writeBuffer(fd)) return;
    // no-appendfsync-on-rewrite: while a rewrite (or a BGSAVE) writes, no fsync at all.
    if (this.skipFsync()) return;
    if (this.policy === 'always') {
      if (this.fsyncOffset !== this.currentSize) {
        try {
          fs.fdatasyncSync(fd);
        } catch (e) {
          this.server.log.warning(`Can't persist append only file to disk: ${(e as Error).message}. Exiting...`);
          process.exit(1);
        }
        this.fsyncOffset = this.currentSize;
        this.lastFsync = Date.now();
      }
    } else if (this.policy === 'everysec' && (force || Date.now() - this.lastFsync >= 1000)) {
      this.backgroundFsync();
    }
  }

  /** Set by the module: whether a background rewrite or BGSAVE is writing now. */
  backgroundJobActive: () => boolean = () => this.rewrite.inProgress;

  private skipFsync(): boolean {
    return this.server.config.bool('no-appendfsync-on-rewrite') && this.backgroundJobActive();
  }

  /** write(2) of the buffer; false (and the buffer kept for a retry) when it failed. */
  private writeBuffer(fd: number): boolean {
    if (this.bufLen === 0) return true;
    const data = Buffer.from(this.buf.length === 1 ? this.buf[0]! : this.buf.join(''), 'latin1');
    try {
      let off = 0;
      while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
    } catch (e) {
      this.writeFailed(e as Error);
      return false;
    }
    this.buf = [];
    this.bufLen = 0;
    this.currentSize += data.length;
    if (this.lastWriteStatus === 'err') {
      this.server.log.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteStatus = 'ok';
    }
    return true;
  }

  /** aof_background_fsync: fdatasync through libuv's thread pool, never on the command path. */
  private backgroundFsync(): void {
    const fd = this.fd;
    if (fd === null || this.fsyncOffset === this.currentSize) return;
    if (this.fsyncInProgress) {
      this.delayedFsync++;
      return;
    }
    this.fsyncInProgress = true;
    const upTo = this.currentSize;
    const gen = this.fileGen;
    this.lastFsync = Date.now();
    fs.fdatasync(fd, (err) => {
      this.fsyncInProgress = false;
      // The file was closed meanwhile (and fsynced then): this result is about nothing current.
      if (gen !== this.fileGen) return;
      if (err) {
        this.server.log.warning(`Error writing to the AOF file: ${err.message}`);
        this.lastWriteStatus = 'err';
        this.lastWriteError = strerror(err);
        return;
      }
      if (upTo > this.fsyncOffset) this.fsyncOffset = upTo;
    });
  }

  private writeFailed(e: Error): void {
    this.lastWriteError = strerror(e);
    // AOF_WRITE_LOG_ERROR_RATE: at most one such line every 30 seconds.
    if (Date.now() - this.lastWriteErrorLog > 30_000) {
      this.lastWriteErrorLog = Date.now();
      this.server.log.warning(`Error writing to the AOF file: ${this.lastWriteError}`);
    }
    if (this.policy === 'always') {
      this.server.log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
      process.exit(1);
    }
    // The buffer stays and is written again on the next flush; writes are refused meanwhile.
    this.lastWriteStatus = 'err';
  }

  /** Starts listening to propagation (AOF turned on). */
  startAppending(): void {
    const ls = this.server.propagation.listeners;
    if (!ls.includes(this.listener)) ls.push(this.listener);
  }

  stopAppending(): void {
    const ls = this.server.propagation.listeners;
    const i = ls.indexOf(this.listener);
    if (i >= 0) ls.splice(i, 1);
  }

  /**
   * The AOF's part of serverCron, four times a second: everysec's fsync (and the retry of a
   * failed write) through flush, then `onTick` (scheduled and automatic rewrites).
   */
  startTimer(onTick: () => void): void {
    if (this.fsyncTimer !== null) return;
    this.fsyncTimer = setInterval(() => {
      this.flush(false);
      onTick();
    }, 250);
    this.fsyncTimer.unref();
  }

  /** The server closes: what is buffered is written and fsynced, the file closed, the timer stopped. */
  close(): void {
    if (this.fsyncTimer !== null) clearInterval(this.fsyncTimer);
    this.fsyncTimer = null;
    if (this.fd !== null) this.server.log.notice('Calling fsync() on the AOF file.');
    try {
      this.closeCurrent();
    } catch (e) {
      this.server.log.warning(`Error closing the AOF file: ${strerror(e as Error)}`);
      this.fd = null;
    }
    this.stopAppending();
  }

  /** Opens a file of the AOF directory for appending. */
  openForAppend(name: string): number {
    return fs.openSync(path.join(this.appendDir, name), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
  }

  /** Closes the current file after writing what is buffered and fsyncing it. */
  closeCurrent(): void {
    const fd = this.fd;
    if (fd === null) return;
    this.writeBuffer(fd);
    try {
      fs.fsyncSync(fd);
    } catch {
      // Closing anyway: the data is in the page cache.
    }
    this.fileGen++;
    fs.closeSync(fd);
    this.fd = null;
    this.fsyncOffset = this.currentSize;
  }

  /** getNewIncrAofName: the next incremental file, added to `m`. */
  newIncrName(m: Manifest): string {
    const seq = ++m.currIncrSeq;
    const name = `${this.fileName}.${seq}.incr.aof`;
    m.incr.push({ name, seq, type: 'i' });
    return name;
  }

  /** getNewBaseFileNameAndMarkPreAsHistory. */
  newBaseName(m: Manifest, rdb: boolean): string {
    if (m.base) m.history.unshift({ ...m.base, type: 'h' });
    const seq = ++m.currBaseSeq;
    const name = `${this.fileName}.${seq}.base.${rdb ? 'rdb' : 'aof'}`;
    m.base = { name, seq, type: 'b' };
    return name;
  }

  /** The dataset as the bytes of a base file: an RDB (aof-use-rdb-preamble yes) or commands. */
  baseFileContents(): { data: Buffer; rdb: boolean } {
    if (this.server.config.bool('aof-use-rdb-preamble')) {
      // Synchronous: the snapshot is the dataset at the rewrite's start.
      const data = encodeRdb(this.server, { aofBase: true });
      return { data, rdb: true };
    }
    const out = new RespChunks();
    rewriteDatasetAsCommands(this.server, out);
    return { data: out.take(), rdb: false };
  }

  /**
   * aofOpenIfNeededOnServerStart: with AOF on, a directory without files gets a base (of the
   * empty dataset) and an incremental file; appends go to the last incremental file.
   */
  async openOnServerStart(): Promise<void> {
    if (this.state !== 'on') return;
    fs.mkdirSync(this.appendDir, { recursive: true });
    const m = this.manifest;
    const hadIncr = m.incr.length > 0;
    if (m.base === null && !hadIncr) {
      const { data, rdb } = this.baseFileContents();
      const name = this.newBaseName(m, rdb);
      writeFileDurably(this.appendDir, name, `temp-rewriteaof-${process.pid}.aof`, data);
      this.baseSize = data.length;
      this.currentSize = data.length;
      this.server.log.notice(`Creating AOF base file ${name} on server start`);
    }
    const last = hadIncr ? m.incr[m.incr.length - 1]!.name : this.newIncrName(m);
    this.fd = this.openForAppend(last);
    this.persistManifest();
    if (!hadIncr) this.server.log.notice(`Creating AOF incr file ${last} on server start`);
    this.fsyncOffset = this.currentSize;
    this.lastFsync = Date.now();
    this.startAppending();
    this.deleteHistoryFiles();
  }

  /** aofDelHistoryFiles (unless aof-disable-auto-gc). */
  deleteHistoryFiles(): void {
    const m = this.manifest;
    if (this.server.config.bool('aof-disable-auto-gc') || m.history.length === 0) return;
    for (const f of m.history) {
      this.server.log.notice(`Removing the history file ${f.name} in the background`);
      fs.rm(path.join(this.appendDir, f.name), { force: true }, () => {});
    }
    m.history = [];
    this.persistManifest();
  }

  /** Size of a file of the AOF directory (0 when missing). */
  fileSize(name: string): number {
    try {
      return fs.statSync(path.join(this.appendDir, name)).size;
    } catch {
      return 0;
    }
  }

  syncDir(): void {
    fsyncDir(this.appendDir);
  }
}
