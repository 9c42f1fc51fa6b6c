import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis, startNodis, type RunningRedis } from '../helpers/servers.js';
import { parseScript, runScript, scriptFiles, scriptOptions, type ScriptLine } from './runner.js';
import type { Server } from '../../src/index.js';

// Scripts live in the source tree (test/differential/scripts), not in dist.
const here = path.dirname(fileURLToPath(import.meta.url));
const scriptsDir = path.resolve(here, '../../../test/differential/scripts');

// DIFF_FILTER=strings runs only the scripts whose name contains "strings".
const filter = process.env['DIFF_FILTER'] ?? '';

interface Script {
  name: string;
  lines: ScriptLine[];
}

// Scripts that declare server options (`#! requirepass=secret`) get a pair of servers of their
// own, one pair per distinct set of options; all the others share the default pair.
/** Long replies (big bulk strings) are cut in failure reports, keeping their length. */
function abbrev(s: string): string {
  return s.length <= 400 ? JSON.stringify(s) : JSON.stringify(s.slice(0, 200)) + ` ...(${s.length} chars)... ` + JSON.stringify(s.slice(-120));
}

const groups = new Map<string, { options: Record<string, string>; scripts: Script[] }>();
for (const file of scriptFiles(scriptsDir).filter((f) => path.basename(f).includes(filter))) {
  const text = fs.readFileSync(file, 'utf8');
  const options = scriptOptions(text);
  const key = JSON.stringify(Object.entries(options).sort());
  let g = groups.get(key);
  if (!g) {
    g = { options, scripts: [] };
    groups.set(key, g);
  }
  g.scripts.push({ name: path.basename(file, '.txt'), lines: parseScript(text) });
}

for (const [key, group] of groups) {
  const label = key === '[]' ? 'default options' : Object.entries(group.options).map(([k, v]) => `${k}=${v}`).join(' ');
  describe(`servers with ${label}`, () => {
    let redis: RunningRedis | undefined;
    let nodis: Server | undefined;

    before(async () => {
      redis = await startRedis(group.options);
      nodis = await startNodis(group.options);
    });

    after(async () => {
      await redis?.stop();
      await nodis?.close();
    });

    for (const { name, lines } of group.scripts) {
      for (const resp of [2, 3] as const) {
        test(`differential ${name} RESP${resp}`, async () => {
          const mismatches = await runScript(lines, redis!.port, nodis!.port, resp, group.options);
          const report = mismatches.map((m) => `  line ${m.lineNo}: ${m.text}\n    redis: ${abbrev(m.redis)}\n    nodis: ${abbrev(m.nodis)}`).join('\n');
          assert.equal(mismatches.length, 0, `${mismatches.length} of ${lines.length} lines differ in ${name}.txt (RESP${resp}):\n${report}`);
        });
      }
    }
  });
}
