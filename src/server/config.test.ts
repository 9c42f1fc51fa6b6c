import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Config, argvToConfigText, ConfigFileError } from './config.js';
import { memtoull } from './config-special.js';

test('argvToConfigText follows redis-server main(): values quoted, --save alone means save ""', () => {
  assert.deepEqual(argvToConfigText(['a.conf', '--port', '7000', '--requirepass', '--x']), { file: 'a.conf', stdin: false, text: 'port "7000" \nrequirepass "--x" ' });
  assert.equal(argvToConfigText(['--save', '--port', '1']).text, 'save ""\nport "1" ');
  assert.equal(argvToConfigText(['--save']).text, 'save ""');
  assert.equal(argvToConfigText(['--bind', '1.2.3.4', '::1']).text, 'bind "1.2.3.4" "::1" ');
  assert.equal(argvToConfigText(['-']).stdin, true);
});

test('memtoull: units, wrap-around, errors', () => {
  assert.equal(memtoull('1kb'), 1024n);
  assert.equal(memtoull('1K'), 1000n);
  assert.equal(memtoull(''), 0n);
  assert.equal(memtoull('-1'), null);
  assert.equal(memtoull('1x'), null);
  assert.equal(memtoull('17179869184gb'), 0n);
});

test('config file lines: errors carry the line number and the trimmed line', () => {
  const c = new Config();
  assert.throws(
    () => c.loadText('port 1\n  hz x  \n'),
    (e: unknown) => e instanceof ConfigFileError && e.lineNo === 2 && e.line === 'hz x' && e.reason === "argument couldn't be parsed into an integer",
  );
  c.loadText('save 1 1\nsave 2 2\nlist-max-ziplist-entries 5\n');
  assert.equal(c.get('save'), '1 1 2 2');
});
