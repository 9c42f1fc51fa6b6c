import type { Client } from './client.js';
import type { Config } from './config.js';
import { clientInfoLine } from '../commands/client.js';

/**
 * client-output-buffer-limit (Redis's checkClientOutputBufferLimits): a client whose unsent
 * output passes its class's hard limit, or stays above the soft limit for longer than the given
 * seconds, is closed, so a reader that stalls cannot make the server hold its output forever.
 */

interface ClassLimit {
  hard: number;
  soft: number;
  seconds: number;
}

/** Limits by class, in the order the config value lists them: normal, replica, pubsub. */
let parsedText = '';
let parsed: ClassLimit[] = [];

function limitsOf(config: Config): ClassLimit[] {
  const text = config.get('client-output-buffer-limit');
  if (text !== parsedText) {
    const w = text.split(' ');
    parsed = [0, 1, 2].map((k) => ({ hard: Number(w[k * 4 + 1]), soft: Number(w[k * 4 + 2]), seconds: Number(w[k * 4 + 3]) }));
    parsedText = text;
  }
  return parsed;
}

/** getClientType for limits: MONITOR counts as normal, a master as normal too. */
function limitClass(c: Client): number {
  if (c.role === 'replica') return 1;
  if (c.channels.size !== 0 || c.patterns.size !== 0 || c.shardChannels.size !== 0) return 2;
  return 0;
}

/** When each client first went over its soft limit (unix seconds); absent when below. */
const softSince = new WeakMap<Client, number>();
const closing = new WeakSet<Client>();

/** The client's output still waiting: unflushed replies plus what the socket has not sent. */
export function pendingOutput(c: Client): number {
  return c.connReply.size + (c.socket ? c.socket.writableLength : 0);
}

/** Whether the client is over its limits now (and records when it passed the soft one). */
export function outputLimitReached(c: Client): boolean {
  if (c.socket === null) return false;
  const lim = limitsOf(c.server.config)[limitClass(c)];
  if (lim === undefined) return false;
  const used = pendingOutput(c);
  if (used === 0) return false;
  const hard = lim.hard !== 0 && used >= lim.hard;
  let soft = lim.soft !== 0 && used >= lim.soft;
  if (soft) {
    const now = Math.floor(Date.now() / 1000);
    const since = softSince.get(c);
    if (since === undefined) {
      softSince.set(c, now);
      soft = false;
    } else if (now - since <= lim.seconds) {
      soft = false;
    }
  } else {
    softSince.delete(c);
  }
  return hard || soft;
}

export function isClosingForOutputLimit(c: Client): boolean {
  return closing.has(c);
}

/**
 * closeClientAsync for an output buffer over its limit: what it has not received is dropped,
 * nothing more is written to it, and it is closed once the current command is done.
 */
export function scheduleCloseForOutputLimit(c: Client): void {
  if (closing.has(c) || c.closed) return;
  closing.add(c);
  c.server.log.warning(`Client ${clientInfoLine(c, c)} scheduled to be closed ASAP for overcoming of output buffer limits.`);
  c.connReply.take();
  queueMicrotask(() => c.server.closeClient(c));
}

/** The check server.flush makes after handing a client's replies to its socket. */
export function enforceOutputLimit(c: Client): boolean {
  if (closing.has(c)) return true;
  if (!outputLimitReached(c)) return false;
  scheduleCloseForOutputLimit(c);
  return true;
}
