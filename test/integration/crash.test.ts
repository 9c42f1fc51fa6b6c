import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { NODIS_BIN, Watched } from '../helpers/processes.js';

/**
 * kill -9 under a steady write load: clients SET and INCR and note every write acknowledged (and
 * when); the server is killed mid-stream and restarted on the same directory. With appendfsync
 * always every acknowledged write is there; with everysec at most about a second of them may be
 * missing (a process kill loses none, since each batch is written before its replies; only an
 * OS crash could lose the unsynced second).
 */

interface Ack {
  key: string;
  value: string;
  at: number;
}

function spawnServer(dir: string, fsync: string): Watched {
  return Watched.spawn('node', [NODIS_BIN, '--port', '0', '--dir', dir, '--appendonly', 'yes', '--appendfsync', fsync, '--save', '']);
}

/** One writer: SET w<id>:<n> <n> and INCR counter:<id> in turn until the connection dies. */
async function writer(port: number, id: number, acks: Ack[], incrs: number[]): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    for (let n = 0; ; n++) {
      const key = `w${id}:${n}`;
      const r = await c.call('SET', key, String(n));
      if (r === null || r.value.t !== 'simple') return;
      acks.push({ key, value: String(n), at: Date.now() });
      const i = await c.call('INCR', `counter:${id}`);
      if (i === null || i.value.t !== 'int') return;
      incrs[id] = Number(i.value.v);
    }
  } catch {
    // The server died under us: what was acknowledged so far is what counts.
  } finally {
    c.close();
  }
}

for (const fsync of ['always', 'everysec']) {
  test(`kill -9 with appendfsync ${fsync}: acknowledged writes survive the restart`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nodis-crash-${fsync}-`));
    const WRITERS = 4;
    try {
      const first = spawnServer(dir, fsync);
      const port = await first.port();
      const acks: Ack[] = [];
      const incrs: number[] = new Array<number>(WRITERS).fill(0);
      const writers = Array.from({ length: WRITERS }, (_, id) => writer(port, id, acks, incrs));
      await new Promise((r) => setTimeout(r, 1500));
      const killedAt = Date.now();
      first.proc.kill('SIGKILL');
      await Promise.all(writers);
      await first.exit;
      assert.ok(acks.length > 100, `only ${acks.length} writes acknowledged`);

      const second = spawnServer(dir, fsync);
      const port2 = await second.port();
      // Loading happens after the port is bound (clients get LOADING meanwhile).
      await second.waitFor(/Ready to accept connections/);
      const c = await RawClient.connect(port2);
      try {
        const missing: Ack[] = [];
        for (const a of acks) {
          const r = await c.call('GET', a.key);
          if (r === null || r.value.t !== 'bulk' || r.value.v !== a.value) missing.push(a);
        }
        if (fsync === 'always') {
          assert.deepEqual(missing, []);
        } else {
          // Generous: nothing acknowledged more than two seconds before the kill may be missing.
          assert.ok(missing.every((a) => a.at > killedAt - 2000), `${missing.length} writes lost, the oldest ${killedAt - Math.min(...missing.map((a) => a.at))} ms before the kill`);
        }
        for (let id = 0; id < WRITERS; id++) {
          const r = await c.call('GET', `counter:${id}`);
          const v = r !== null && r.value.t === 'bulk' && r.value.v !== null ? Number(r.value.v) : 0;
          // An INCR may have been applied without its reply arriving; never fewer than acknowledged.
          if (fsync === 'always') assert.ok(v >= incrs[id]!, `counter:${id} is ${v}, ${incrs[id]} acknowledged`);
        }
      } finally {
        c.close();
        await second.stop('SIGKILL');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
