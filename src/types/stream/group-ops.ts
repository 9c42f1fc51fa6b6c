import type { Client } from '../../server/client.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { ENTRIES_READ_INVALID, type Consumer, type ConsumerGroup, type PendingEntry, type StreamValue } from './stream-value.js';
import { compareIds, formatId, isZeroId, MAX_ID, subI64, addI64, type I64, type StreamID } from './stream-id.js';

/**
 * Consumer-group pieces of t_stream.c shared by XREADGROUP, XCLAIM, XAUTOCLAIM, XGROUP and XINFO:
 * consumer creation, Redis 7.0's entries-read bookkeeping and lag, and the propagation of group
 * effects as XCLAIM / XGROUP SETID / XGROUP CREATECONSUMER.
 */

/**
 * streamCreateConsumer: a new consumer (the caller checked the name is free). Counts a change
 * and fires "xgroup-createconsumer" unless told not to.
 */
export function createConsumer(c: Client, g: ConsumerGroup, name: string, key: string, notify = true, dirty = true): Consumer {
  const cons = g.createConsumer(name, Date.now());
  if (dirty) c.server.dirty++;
  if (notify) c.server.notify(NOTIFY.stream, 'xgroup-createconsumer', key, c.db.id);
  return cons;
}

/** streamLookupConsumer: refreshes seen-time unless `refresh` is false. */
export function lookupConsumer(g: ConsumerGroup, name: string, refresh = true): Consumer | undefined {
  const cons = g.consumers.get(name);
  if (cons !== undefined && refresh) cons.seenTime = Date.now();
  return cons;
}

/** streamRangeHasTombstones: whether an entry between start and end (null: the end) was deleted. */
export function rangeHasTombstones(s: StreamValue, start: StreamID | null, end: StreamID | null): boolean {
  if (s.length === 0 || isZeroId(s.maxDeletedId)) return false;
  if (compareIds(s.firstId, s.maxDeletedId) > 0) return false;
  const from = start ?? { ms: 0, seq: 0 };
  const to = end ?? MAX_ID;
  return compareIds(from, s.maxDeletedId) <= 0 && compareIds(s.maxDeletedId, to) <= 0;
}

/**
 * streamEstimateDistanceFromFirstEverEntry: the logical read counter of an ID (how many entries
 * were added up to it), or -1 when the stream's deletions make it unknowable.
 */
export function estimateDistance(s: StreamValue, id: StreamID): I64 {
  if (s.entriesAdded === 0) return 0;
  if (s.length === 0 && compareIds(id, s.lastId) < 1) return s.entriesAdded;
  const cmpLast = compareIds(id, s.lastId);
  if (cmpLast === 0) return s.entriesAdded;
  if (cmpLast > 0) return ENTRIES_READ_INVALID;
  const cmpIdFirst = compareIds(id, s.firstId);
  const cmpXdelFirst = compareIds(s.maxDeletedId, s.firstId);
  if (isZeroId(s.maxDeletedId) || cmpXdelFirst < 0) {
    if (cmpIdFirst < 0) return subI64(s.entriesAdded, s.length);
    if (cmpIdFirst === 0) return addI64(subI64(s.entriesAdded, s.length), 1);
  }
  return ENTRIES_READ_INVALID;
}

/** streamReplyWithCGLag's figure: the group's lag, or null when unknown. */
export function groupLag(s: StreamValue, g: ConsumerGroup): I64 | null {
  if (s.entriesAdded === 0) return 0;
  if (g.entriesRead !== ENTRIES_READ_INVALID && !rangeHasTombstones(s, g.lastId, null)) return subI64(s.entriesAdded, g.entriesRead);
  const read = estimateDistance(s, g.lastId);
  return read === ENTRIES_READ_INVALID ? null : subI64(s.entriesAdded, read);
}

/** The group delivered `id` (beyond its last ID): streamReplyWithRange's counter update. */
export function advanceGroup(s: StreamValue, g: ConsumerGroup, id: StreamID): void {
  if (g.entriesRead !== ENTRIES_READ_INVALID && !rangeHasTombstones(s, id, null)) g.entriesRead = addI64(g.entriesRead, 1);
  else if (s.entriesAdded !== 0) g.entriesRead = estimateDistance(s, id);
  g.lastId = id;
}

/** streamPropagateXCLAIM: how a delivery or claim reaches the AOF and replicas. */
export function propagateXclaim(c: Client, key: string, g: ConsumerGroup, groupName: string, id: StreamID, nack: PendingEntry): void {
  c.server.propagation.also(c.db.id, [
    'XCLAIM', key, groupName, nack.consumer.name, '0', formatId(id),
    'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount),
    'FORCE', 'JUSTID', 'LASTID', formatId(g.lastId),
  ]);
}

/** streamPropagateGroupID: XGROUP SETID with the group's last ID and entries-read. */
export function propagateGroupId(c: Client, key: string, g: ConsumerGroup, groupName: string): void {
  c.server.propagation.also(c.db.id, ['XGROUP', 'SETID', key, groupName, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
}

/** streamPropagateConsumerCreation. */
export function propagateConsumerCreation(c: Client, key: string, groupName: string, consumer: string): void {
  c.server.propagation.also(c.db.id, ['XGROUP', 'CREATECONSUMER', key, groupName, consumer]);
}
