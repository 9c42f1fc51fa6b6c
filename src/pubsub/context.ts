import type { Client } from '../server/client.js';
import type { Command } from '../commands/table.js';
import { inPubSubMode } from './pubsub.js';

/** What a RESP2 client with subscriptions may still run (processCommand's pub/sub check). */
const ALLOWED_WHEN_SUBSCRIBED = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);

/**
 * The error for a command a RESP2 subscriber may not run, or null when it may. RESP2 cannot tell
 * replies from messages, so a subscribed connection is limited; in RESP3 messages are push frames
 * and every command works.
 */
export function subscribedContextError(c: Client, cmd: Command): string | null {
  if (c.resp !== 2 || !inPubSubMode(c) || ALLOWED_WHEN_SUBSCRIBED.has(cmd.fullName)) return null;
  return `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`;
}
