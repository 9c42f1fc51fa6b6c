import { NOTIFY } from '../keyspace/notify.js';
import type { PubSub } from './pubsub.js';

/**
 * notifyKeyspaceEvent (notify.c): an event of class `type` becomes a message on
 * `__keyspace@<db>__:<key>` (carrying the event name) when K is set, and on
 * `__keyevent@<db>__:<event>` (carrying the key) when E is set, provided notify-keyspace-events
 * enables the class. The letters and what "A" covers are parsed in config-special.ts.
 */
export function publishKeyspaceEvent(ps: PubSub, type: number, event: string, key: string, dbid: number): void {
  const flags = ps.server.config.notifyFlags;
  if ((flags & type) === 0) return;
  if (flags & NOTIFY.keyspace) ps.publish(`__keyspace@${dbid}__:${key}`, event, 'global');
  if (flags & NOTIFY.keyevent) ps.publish(`__keyevent@${dbid}__:${event}`, key, 'global');
}
