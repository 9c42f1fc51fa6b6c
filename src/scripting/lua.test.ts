import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCDouble, formatNumberG } from './lua.js';

// Expected values are C's printf output (glibc), as Redis's Lua prints them.

test('formatNumberG: %.14g and %.17g as C prints them', () => {
  const cases: [number, number, string][] = [
    [5, 14, '5'],
    [1.5, 14, '1.5'],
    [1e15, 14, '1e+15'],
    [123456789012345678, 14, '1.2345678901235e+17'],
    [2 ** 53, 14, '9.007199254741e+15'],
    [0.1, 14, '0.1'],
    [1e-5, 14, '1e-05'],
    [-0, 14, '-0'],
    [Infinity, 14, 'inf'],
    [-Infinity, 14, '-inf'],
    [NaN, 14, '-nan'],
    [100000000000000, 14, '1e+14'],
    [99999999999999, 14, '99999999999999'],
    [0.1, 17, '0.10000000000000001'],
    [3.5, 17, '3.5'],
    [1e20, 17, '1e+20'],
    [2 ** 53 + 2, 17, '9007199254740994'],
  ];
  for (const [n, p, want] of cases) assert.equal(formatNumberG(n, p), want, `${n} %.${p}g`);
});

test('formatCDouble: %e %f %g with flags, width and precision', () => {
  const cases: [string, number, string][] = [
    ['%g', 1e20, '1e+20'],
    ['%g', 0.0001, '0.0001'],
    ['%g', 100, '100'],
    ['%g', 0.00001, '1e-05'],
    ['%.3g', 3.14159, '3.14'],
    ['%#g', 1, '1.00000'],
    ['%e', 12345.678, '1.234568e+04'],
    ['%.2e', 0, '0.00e+00'],
    ['%E', 1.5, '1.500000E+00'],
    ['%f', 1.5, '1.500000'],
    ['%.0f', 2.5, '2'],
    ['%.0f', 3.5, '4'],
    ['%.2f', 0.125, '0.12'],
    ['%.2f', 0.375, '0.38'],
    ['%.1f', 0.15, '0.1'],
    ['%.1f', 0.25, '0.2'],
    ['%5.2f', 3.14159, ' 3.14'],
    ['%-8.2f|', 3.14159, '3.14    |'.slice(0, -1)],
    ['%08.3f', -3.14159, '-003.142'],
    ['%+f', 1, '+1.000000'],
    ['% f', 1, ' 1.000000'],
    ['%f', Infinity, 'inf'],
    ['%F', -Infinity, '-INF'],
    ['%f', 1e21, '1000000000000000000000.000000'],
  ];
  for (const [spec, n, want] of cases) assert.equal(formatCDouble(spec.replace('|', ''), n), want, `${spec} of ${n}`);
});
