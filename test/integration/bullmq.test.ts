import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowProducer, Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { startNodis } from '../helpers/servers.js';

/**
 * Issue 7: a real job queue on Nodis. BullMQ runs its Lua scripts (EVALSHA with cmsgpack and
 * cjson), blocking commands (BZPOPMIN), sorted sets, hashes, lists and streams (XADD/XTRIM for
 * its events) against an in-process Nodis: jobs complete with return values, a flaky job fails,
 * backs off and succeeds on retry, one job exhausts its attempts, and a delayed job waits.
 */

interface Payload {
  readonly kind: 'ok' | 'flaky' | 'doomed' | 'delayed';
  readonly n: number;
}

test('BullMQ queue and worker: completions, retries with backoff, failures, a delayed job', { timeout: 30000 }, async () => {
  const server = await startNodis();
  const connection = { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null };
  const queue = new Queue<Payload>('nodis-test', { connection });
  const attemptsSeen = new Map<string, number>();
  const finished = new Map<string, 'completed' | 'failed'>();
  let settle: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const expected = 5;
  const processedAt = new Map<string, number>();

  const worker = new Worker<Payload, { doubled: number; kind: string }>(
    'nodis-test',
    async (job: Job<Payload>) => {
      attemptsSeen.set(job.name, (attemptsSeen.get(job.name) ?? 0) + 1);
      processedAt.set(job.name, Date.now());
      await job.updateProgress(50);
      if (job.data.kind === 'doomed') throw new Error('always fails');
      if (job.data.kind === 'flaky' && job.attemptsMade === 0) throw new Error('fails the first time');
      return { doubled: job.data.n * 2, kind: job.data.kind };
    },
    { connection, concurrency: 2 },
  );
  const note = (job: Job | undefined, outcome: 'completed' | 'failed'): void => {
    if (job === undefined) return;
    // A failure that will be retried is not final.
    if (outcome === 'failed' && job.attemptsMade < (job.opts.attempts ?? 1)) return;
    finished.set(job.name, outcome);
    if (finished.size === expected) settle();
  };
  worker.on('completed', (job) => note(job, 'completed'));
  worker.on('failed', (job) => note(job, 'failed'));

  try {
    await worker.waitUntilReady();
    const addedAt = Date.now();
    const [first, second, flaky, doomed, delayed] = await Promise.all([
      queue.add('first', { kind: 'ok', n: 1 }),
      queue.add('second', { kind: 'ok', n: 21 }, { priority: 1 }),
      queue.add('flaky', { kind: 'flaky', n: 5 }, { attempts: 3, backoff: { type: 'fixed', delay: 200 } }),
      queue.add('doomed', { kind: 'doomed', n: 0 }, { attempts: 2, backoff: { type: 'exponential', delay: 50 } }),
      queue.add('delayed', { kind: 'delayed', n: 100 }, { delay: 700 }),
    ]);
    assert.ok(first.id && second.id && flaky.id && doomed.id && delayed.id);
    assert.equal(await delayed.getState(), 'delayed');

    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      allDone,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`only ${[...finished.keys()].join(',')} finished`)), 20000);
      }),
    ]).finally(() => clearTimeout(timer));

    assert.deepEqual(Object.fromEntries([...finished].sort()), {
      delayed: 'completed', doomed: 'failed', first: 'completed', flaky: 'completed', second: 'completed',
    });
    assert.equal(attemptsSeen.get('flaky'), 2);
    assert.equal(attemptsSeen.get('doomed'), 2);
    assert.equal(attemptsSeen.get('first'), 1);
    assert.ok(processedAt.get('delayed')! - addedAt >= 650, 'the delayed job waited for its delay');

    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
    assert.deepEqual(counts, { completed: 4, failed: 1, waiting: 0, active: 0, delayed: 0 });

    const done = await queue.getJob(flaky.id!);
    assert.ok(done);
    assert.deepEqual(done.returnvalue, { doubled: 10, kind: 'flaky' });
    assert.equal(done.attemptsMade, 2);
    assert.equal(done.progress, 50);
    const again = await queue.getJob(second.id!);
    assert.deepEqual(again?.returnvalue, { doubled: 42, kind: 'ok' });
    const failed = await queue.getJob(doomed.id!);
    assert.equal(failed?.failedReason, 'always fails');
    assert.equal(await failed?.getState(), 'failed');
    const completedJobs = await queue.getCompleted();
    assert.deepEqual(completedJobs.map((j) => j.name).sort(), ['delayed', 'first', 'flaky', 'second']);
  } finally {
    await worker.close();
    await queue.close();
    await server.close();
  }
});

test('BullMQ QueueEvents, a parent/child flow, pause/resume, a job scheduler and obliterate', { timeout: 30000 }, async () => {
  const server = await startNodis();
  const connection = { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null };
  const queue = new Queue('nodis-flows', { connection });
  const events = new QueueEvents('nodis-flows', { connection });
  const flow = new FlowProducer({ connection });
  const worker = new Worker(
    'nodis-flows',
    async (job: Job) => {
      if (job.name === 'child') return 'from the child';
      if (job.name === 'tick') return 'tick';
      return { n: (job.data as { n: number }).n + 1, children: Object.values(await job.getChildrenValues()) };
    },
    { connection },
  );
  try {
    // QueueEvents reads the events stream (XREAD BLOCK); waitUntilFinished resolves from it.
    await events.waitUntilReady();
    const job = await queue.add('plain', { n: 41 });
    assert.deepEqual(await job.waitUntilFinished(events, 10000), { n: 42, children: [] });

    const tree = await flow.add({ name: 'parent', queueName: 'nodis-flows', data: { n: 1 }, children: [{ name: 'child', queueName: 'nodis-flows', data: {} }] });
    assert.deepEqual(await tree.job.waitUntilFinished(events, 10000), { n: 2, children: ['from the child'] });

    await queue.pause();
    assert.equal(await queue.isPaused(), true);
    await queue.resume();
    assert.equal(await queue.isPaused(), false);

    await queue.upsertJobScheduler('every', { every: 150 }, { name: 'tick', data: {} });
    assert.equal((await queue.getJobSchedulers()).length, 1);
    const deadline = Date.now() + 10000;
    while ((await queue.getCompletedCount()) < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await queue.removeJobScheduler('every');
    assert.ok((await queue.getCompletedCount()) >= 5, 'the scheduler produced repeated jobs');
    assert.equal((await queue.getJobSchedulers()).length, 0);

    await worker.pause();
    await queue.obliterate({ force: true });
    const counts = await queue.getJobCounts('completed', 'waiting', 'delayed', 'active');
    assert.deepEqual(counts, { completed: 0, waiting: 0, delayed: 0, active: 0 });
  } finally {
    await worker.close();
    await events.close();
    await flow.close();
    await queue.close();
    await server.close();
  }
});
