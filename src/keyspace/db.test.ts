import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lfuDecrAndReturn, lfuLogIncr, lfuMinutes, idleTimeMs, lruClock, LRU_CLOCK_MAX, LFU_INIT_VAL } from './db.js';

test('LFU counter: decays one per lfu-decay-time minutes idle, never below 0', () => {
  const now = 1_700_000_000_000;
  const word = (m: number, counter: number): number => (m << 8) | counter;
  assert.equal(lfuDecrAndReturn(word(lfuMinutes(now), 10), now, 1), 10);
  assert.equal(lfuDecrAndReturn(word(lfuMinutes(now) - 3, 10), now, 1), 7);
  assert.equal(lfuDecrAndReturn(word(lfuMinutes(now) - 3, 10), now, 2), 9);
  assert.equal(lfuDecrAndReturn(word(lfuMinutes(now) - 30, 10), now, 1), 0);
  assert.equal(lfuDecrAndReturn(word(lfuMinutes(now) - 30, 10), now, 0), 10, 'decay time 0 never decays');
  // The 16-bit minute clock wraps: a timestamp "ahead" of now means it wrapped around.
  assert.equal(lfuDecrAndReturn(word(65535, 200), 0, 1), 200 - (65535 - 65535 + 0));
});

test('LFU counter: always grows at the initial value, saturates at 255', () => {
  assert.equal(lfuLogIncr(LFU_INIT_VAL, 10), LFU_INIT_VAL + 1);
  assert.equal(lfuLogIncr(0, 10), 1);
  assert.equal(lfuLogIncr(255, 0), 255);
});

test('idle time from the 24-bit LRU clock, across its wrap', () => {
  const now = 1_700_000_000_000;
  assert.equal(idleTimeMs(lruClock(now - 5000), now), 5000);
  assert.equal(idleTimeMs(lruClock(now), now), 0);
  // A clock value "ahead" of now has wrapped: Redis counts from it to the wrap point and on.
  const clock = lruClock(now);
  assert.equal(idleTimeMs(clock + 10, now), (clock + (LRU_CLOCK_MAX - (clock + 10))) * 1000);
});
