import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

// Keeps `npm run bench` working: a few seconds of the real harness, no assertion on speed.
test('benchmark harness smoke run writes its JSON, Markdown and SVG', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-bench-'));
  try {
    execFileSync(process.execPath, [path.join(root, 'dist/bench/run.js'), '--smoke', '--requests', '500', '--memory-keys', '2000', '--out', out], { stdio: 'pipe', timeout: 120000 });
    const result = JSON.parse(fs.readFileSync(path.join(out, 'smoke.json'), 'utf8')) as { rows: { test: string; ratio: number | null }[]; memory: { server: string; keys: number }[] };
    assert.deepEqual(result.rows.map((r) => r.test).sort(), ['GET', 'GET', 'PING_MBULK', 'PING_MBULK', 'SET', 'SET']);
    for (const r of result.rows) assert.ok(r.ratio !== null && r.ratio > 0, `${r.test} measured on both servers`);
    assert.deepEqual(result.memory.map((m) => m.server), ['nodis', 'redis']);
    assert.match(fs.readFileSync(path.join(out, 'smoke.md'), 'utf8'), /\| SET \| 1 \|/);
    assert.match(fs.readFileSync(path.join(out, 'smoke.svg'), 'utf8'), /^<svg /);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
