import fs from 'node:fs';
import path from 'node:path';
import { RawClient } from '../helpers/raw-client.js';

/** Shared by the AOF tests: reading AOF files as commands, waiting for rewrites, INFO fields. */

/** The commands of an AOF (RESP arrays; `#` annotation lines skipped). */
export function parseAof(data: Buffer): string[][] {
  const out: string[][] = [];
  let pos = 0;
  const line = (): string => {
    const nl = data.indexOf('\r\n', pos);
    if (nl < 0) throw new Error(`unterminated line at ${pos}`);
    const s = data.latin1Slice(pos, nl);
    pos = nl + 2;
    return s;
  };
  while (pos < data.length) {
    const head = line();
    if (head.startsWith('#')) continue;
    if (!head.startsWith('*')) throw new Error(`bad AOF line ${JSON.stringify(head)}`);
    const argc = Number(head.slice(1));
    const argv: string[] = [];
    for (let i = 0; i < argc; i++) {
      const len = Number(line().slice(1));
      argv.push(data.latin1Slice(pos, pos + len));
      pos += len + 2;
    }
    out.push(argv);
  }
  return out;
}

/** Millisecond times near now (relative expiries made absolute) as "<now>", so two runs compare. */
export function normalizeTimes(cmds: string[][], now = Date.now()): string[][] {
  // Also stream IDs made from the clock (XADD *): "<ms>-<seq>".
  return cmds.map((argv) => argv.map((a) => (/^\d{13}(-\d+)?$/.test(a) && Math.abs(Number(a.split('-')[0]) - now) < 3 * 86400_000 ? '<now>' : a)));
}

export function readManifest(dir: string): string {
  return fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
}

/** The last incremental file named by the manifest. */
export function lastIncr(dir: string): Buffer {
  const names = [...readManifest(dir).matchAll(/^file (\S+) seq \d+ type i$/gm)].map((m) => m[1]!);
  return fs.readFileSync(path.join(dir, 'appendonlydir', names[names.length - 1]!));
}

export async function infoField(port: number, field: string): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    const r = await c.call('INFO', 'persistence');
    const text = r !== null && r.value.t === 'bulk' ? (r.value.v ?? '') : '';
    const m = new RegExp(`^${field}:(.*)\\r$`, 'm').exec(text);
    return m ? m[1]! : '';
  } finally {
    c.close();
  }
}

/** Waits until no AOF rewrite is running or scheduled. */
export async function waitRewriteDone(port: number, ms = 15000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if ((await infoField(port, 'aof_rewrite_in_progress')) === '0' && (await infoField(port, 'aof_rewrite_scheduled')) === '0') return;
    if (Date.now() > deadline) throw new Error('AOF rewrite did not finish');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until `n` clients are blocked. */
export async function waitBlocked(port: number, n: number): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    for (let i = 0; i < 200; i++) {
      const r = await c.call('INFO', 'clients');
      const text = r !== null && r.value.t === 'bulk' ? (r.value.v ?? '') : '';
      if (new RegExp(`^blocked_clients:${n}\\r$`, 'm').test(text)) return;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`never ${n} blocked clients`);
  } finally {
    c.close();
  }
}
