import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (dist/test/helpers is three levels below it). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const NODIS_BIN = path.join(REPO_ROOT, 'dist/src/bin/nodis-server.js');

/**
 * Children run in a fresh directory unless told otherwise: a nodis-server saves dump.rdb into
 * its working directory on SHUTDOWN or SIGTERM (default save points), and one started later in
 * the same place would load it.
 */
function isolated<T extends SpawnOptions>(opts: T): T {
  return opts.cwd !== undefined ? opts : { ...opts, cwd: fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-cwd-')) };
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (killed after `ms`), with optional stdin, and collects its output. */
export function run(cmd: string, args: string[], opts: SpawnOptions & { input?: string; ms?: number } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { ...isolated(opts), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    const timer = setTimeout(() => proc.kill('SIGKILL'), opts.ms ?? 20000);
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // A program may exit without reading its stdin (EPIPE): that is not an error here.
    proc.stdin!.on('error', () => {});
    proc.stdin!.end(opts.input ?? '');
  });
}

/**
 * A long-running server process whose output is watched: `waitFor` resolves once a line matches,
 * `stop` sends a signal and resolves with the exit status.
 */
export class Watched {
  stdout = '';
  stderr = '';
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private listeners: (() => void)[] = [];

  constructor(readonly proc: ChildProcess) {
    proc.stdout?.on('data', (d: Buffer) => {
      this.stdout += d.toString('latin1');
      for (const l of this.listeners.slice()) l();
    });
    proc.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString('latin1');
      for (const l of this.listeners.slice()) l();
    });
    this.exit = new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  }

  static spawn(cmd: string, args: string[], opts: SpawnOptions = {}): Watched {
    return new Watched(spawn(cmd, args, { ...isolated(opts), stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** The first match of `re` in the output so far or to come (rejects after `ms` or on exit). */
  waitFor(re: RegExp, ms = 15000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = re.exec(this.stdout) ?? re.exec(this.stderr);
        if (m) {
          done();
          resolve(m);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${re}; stdout: ${this.stdout}; stderr: ${this.stderr}`));
      }, ms);
      const onExit = () => {
        if (!check()) {
          done();
          reject(new Error(`exited before ${re}; stdout: ${this.stdout}; stderr: ${this.stderr}`));
        }
      };
      const done = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
        this.proc.off('close', onExit);
      };
      const listener = () => void check();
      if (check()) return;
      this.listeners.push(listener);
      this.proc.once('close', onExit);
    });
  }

  /** The port from the start-up line "Running mode=standalone, port=N." */
  async port(): Promise<number> {
    const m = await this.waitFor(/Running mode=standalone, port=(\d+)\./);
    return Number(m[1]);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exit;
  }
}
