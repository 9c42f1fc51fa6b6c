/**
 * Dev-time tool: asks a real redis-server 7.0 for its command table (COMMAND and COMMAND DOCS,
 * in RESP3) and writes src/commands/redis-spec.json. Nodis's command table takes each command's
 * arity, flags, key specs, ACL categories and docs from there, so COMMAND INFO / DOCS match Redis
 * byte for byte. Usage: node dist/scripts/gen-command-spec.js [port]
 */
import net from 'node:net';
import fs from 'node:fs';
import { ReplyReader, type ReplyValue } from '../src/protocol/reply-reader.js';
import { toSpecNode, type SpecNode } from '../src/commands/spec-node.js';

const port = Number(process.argv[2] ?? 6379);

function ask(sock: net.Socket, reader: ReplyReader, cmd: string[]): Promise<ReplyValue> {
  return new Promise((resolve) => {
    const onData = (d: Buffer) => {
      reader.push(d);
      const r = reader.next();
      if (r) {
        sock.off('data', onData);
        resolve(r.value);
      }
    };
    sock.on('data', onData);
    sock.write('*' + cmd.length + '\r\n' + cmd.map((a) => '$' + Buffer.byteLength(a) + '\r\n' + a + '\r\n').join(''));
  });
}

const sock = net.connect(port, '127.0.0.1');
await new Promise((r) => sock.once('connect', r));
const reader = new ReplyReader();
await ask(sock, reader, ['HELLO', '3']);
const info = await ask(sock, reader, ['COMMAND']);
const docs = await ask(sock, reader, ['COMMAND', 'DOCS']);
sock.end();
if (info.t !== 'array' || !info.v || docs.t !== 'map') throw new Error('unexpected reply');
const out: Record<string, { info: SpecNode; docs: SpecNode }> = {};
const docMap = new Map<string, ReplyValue>();
for (const [k, v] of docs.v) if (k.t === 'bulk' && k.v) docMap.set(k.v, v);
for (const entry of info.v) {
  if (entry.t !== 'array' || !entry.v) continue;
  const name = entry.v[0];
  if (!name || name.t !== 'bulk' || !name.v) continue;
  const d = docMap.get(name.v);
  if (!d) throw new Error('no docs for ' + name.v);
  out[name.v] = { info: toSpecNode(entry), docs: toSpecNode(d) };
}
const names = Object.keys(out).sort();
const sorted: Record<string, unknown> = {};
for (const n of names) sorted[n] = out[n];
fs.writeFileSync(new URL('../../src/commands/redis-spec.json', import.meta.url), JSON.stringify(sorted) + '\n');
console.log(`wrote ${names.length} commands`);
