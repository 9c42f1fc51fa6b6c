import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type Server } from '../../src/index.js';

/** A free TCP port on 127.0.0.1 (redis-server cannot be told to pick one). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const a = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (!a || typeof a !== 'object') throw new Error('no port');
  return a.port;
}

async function waitForPort(port: number, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.end();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Waits until PING no longer answers LOADING: redis-server accepts connections while it loads
 * its RDB or AOF at start-up, and a test reading the keyspace then would see LOADING errors.
 */
async function waitUntilLoaded(port: number, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const reply = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      let got = '';
      s.once('connect', () => s.write('PING\r\n'));
      s.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (got.includes('\r\n')) {
          s.end();
          resolve(got);
        }
      });
      s.once('error', () => resolve(''));
    });
    if (!reply.startsWith('-LOADING')) return;
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} still loading`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The options both servers of a differential run start with. */
export const COMMON_OPTIONS: Record<string, string> = {
  save: '',
  appendonly: 'no',
  'enable-debug-command': 'yes',
};

export interface RunningRedis {
  port: number;
  dir: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts Debian's redis-server (from PATH) on a free port in a temporary directory. */
export async function startRedis(options: Record<string, string> = {}): Promise<RunningRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-ref-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
  for (const [k, v] of Object.entries({ ...COMMON_OPTIONS, ...options })) args.push('--' + k, v);
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port);
  await waitUntilLoaded(port);
  return {
    port,
    dir,
    proc,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts Nodis in this process on a free port. */
export async function startNodis(options: Record<string, string> = {}): Promise<Server> {
  return startServer({ ...COMMON_OPTIONS, ...options });
}

/** Whether Debian's redis-server is on PATH (the differential suite needs it). */
export function haveRedisServer(): boolean {
  return (process.env['PATH'] ?? '').split(':').some((d) => fs.existsSync(path.join(d, 'redis-server')));
}
