import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis, startNodis, type RunningRedis } from '../helpers/servers.js';
import { parseScript, runScript, scriptFiles } from './runner.js';
import type { Server } from '../../src/index.js';

// Scripts live in the source tree (test/differential/scripts), not in dist.
const here = path.dirname(fileURLToPath(import.meta.url));
const scriptsDir = path.resolve(here, '../../../test/differential/scripts');

let redis: RunningRedis;
let nodis: Server;

before(async () => {
  redis = await startRedis();
  nodis = await startNodis();
});

after(async () => {
  await redis?.stop();
  await nodis?.close();
});

// DIFF_FILTER=strings runs only the scripts whose name contains "strings".
const filter = process.env['DIFF_FILTER'] ?? '';

for (const file of scriptFiles(scriptsDir).filter((f) => path.basename(f).includes(filter))) {
  const name = path.basename(file, '.txt');
  const lines = parseScript(fs.readFileSync(file, 'utf8'));
  for (const resp of [2, 3] as const) {
    test(`differential ${name} RESP${resp}`, async () => {
      const mismatches = await runScript(lines, redis.port, nodis.port, resp);
      const report = mismatches.map((m) => `  line ${m.lineNo}: ${m.text}\n    redis: ${JSON.stringify(m.redis)}\n    nodis: ${JSON.stringify(m.nodis)}`).join('\n');
      assert.equal(mismatches.length, 0, `${mismatches.length} of ${lines.length} lines differ in ${name}.txt (RESP${resp}):\n${report}`);
    });
  }
}
