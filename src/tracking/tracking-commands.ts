import type { Client } from '../server/client.js';
import { ERR } from '../errors.js';
import { parseInteger } from '../protocol/number-format.js';
import { isOpt } from '../commands/args.js';
import { trackingOf, type TrackingOptions } from './tracking.js';

/** CLIENT TRACKING, CACHING and TRACKINGINFO, with Redis 7.0's checks in its order and its texts. */

/** Redis's stringCheckPrefix: two prefixes overlap when one starts the other. */
function overlaps(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  return a.slice(0, n) === b.slice(0, n);
}

/**
 * checkPrefixCollisionsOrReply, including 7.0's slip: a clash between two given prefixes found
 * for a prefix other than the first replies an error yet counts as success (the function returns
 * the index), so the command goes on and also answers OK. Returns whether to go on.
 */
function checkPrefixCollisions(c: Client, held: readonly string[], prefixes: readonly string[]): boolean {
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i]!;
    for (const h of held) {
      if (overlaps(h, p)) {
        c.reply.error(`ERR Prefix '${p}' overlaps with an existing prefix '${h}'. Prefixes for a single client must not overlap.`);
        return false;
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (overlaps(p, prefixes[j]!)) {
        c.reply.error(`ERR Prefix '${p}' overlaps with another provided prefix '${prefixes[j]!}'. Prefixes for a single client must not overlap.`);
        return i !== 0;
      }
    }
  }
  return true;
}

/** CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP]. */
export function clientTracking(c: Client, argv: string[]): void {
  let redirect = 0;
  const opts: TrackingOptions = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: string[] = [];
  // Every option is parsed (and REDIRECT checked) before ON/OFF is looked at, as in Redis.
  for (let j = 3; j < argv.length; j++) {
    const a = argv[j]!;
    const more = j < argv.length - 1;
    if (isOpt(a, 'redirect') && more) {
      j++;
      if (redirect !== 0) {
        c.reply.error('ERR A client can only redirect to a single other client');
        return;
      }
      const id = parseInteger(argv[j]!);
      if (id === null) {
        c.reply.error(ERR.notInteger);
        return;
      }
      const target = c.server.clients.get(id);
      if (target === undefined || target.closed) {
        c.reply.error('ERR The client ID you want redirect to does not exist');
        return;
      }
      redirect = id;
    } else if (isOpt(a, 'bcast')) {
      opts.bcast = true;
    } else if (isOpt(a, 'optin')) {
      opts.optin = true;
    } else if (isOpt(a, 'optout')) {
      opts.optout = true;
    } else if (isOpt(a, 'noloop')) {
      opts.noloop = true;
    } else if (isOpt(a, 'prefix') && more) {
      j++;
      prefixes.push(argv[j]!);
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  const mode = argv[2]!;
  if (isOpt(mode, 'on')) {
    if (!opts.bcast && prefixes.length > 0) {
      c.reply.error('ERR PREFIX option requires BCAST mode to be enabled');
      return;
    }
    const st = c.server.tracking?.stateOf(c);
    if (st !== undefined && st.bcast !== opts.bcast) {
      c.reply.error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
      return;
    }
    if (opts.bcast && (opts.optin || opts.optout)) {
      c.reply.error('ERR OPTIN and OPTOUT are not compatible with BCAST');
      return;
    }
    if (opts.optin && opts.optout) {
      c.reply.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
      return;
    }
    if (st !== undefined && ((opts.optin && st.optout) || (opts.optout && st.optin))) {
      c.reply.error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
      return;
    }
    if (opts.bcast && !checkPrefixCollisions(c, st?.prefixes ?? [], prefixes)) return;
    trackingOf(c.server).enable(c, redirect, opts, prefixes);
  } else if (isOpt(mode, 'off')) {
    c.server.tracking?.disable(c);
  } else {
    c.reply.error(ERR.syntax);
    return;
  }
  c.reply.ok();
}

/** CLIENT CACHING YES|NO: whether the next command's keys are tracked (OPTIN / OPTOUT). */
export function clientCaching(c: Client, argv: string[]): void {
  const st = c.server.tracking?.stateOf(c);
  if (st === undefined) {
    c.reply.error('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
    return;
  }
  const v = argv[2]!;
  if (isOpt(v, 'yes')) {
    if (!st.optin) {
      c.reply.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
      return;
    }
  } else if (isOpt(v, 'no')) {
    if (!st.optout) {
      c.reply.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
      return;
    }
  } else {
    c.reply.error(ERR.syntax);
    return;
  }
  st.caching = true;
  c.reply.ok();
}

/** CLIENT TRACKINGINFO: flags (a set in RESP3), redirect and prefixes. */
export function clientTrackingInfo(c: Client): void {
  const st = c.server.tracking?.stateOf(c);
  const flags: string[] = [];
  if (st === undefined) flags.push('off');
  else {
    flags.push('on');
    if (st.bcast) flags.push('bcast');
    if (st.optin) flags.push('optin');
    if (st.optin && st.caching) flags.push('caching-yes');
    if (st.optout) flags.push('optout');
    if (st.optout && st.caching) flags.push('caching-no');
    if (st.noloop) flags.push('noloop');
    if (st.brokenRedirect) flags.push('broken_redirect');
  }
  const r = c.reply;
  r.map(3);
  r.bulk('flags');
  r.set(flags.length);
  for (const f of flags) r.bulk(f);
  r.bulk('redirect');
  r.int(st === undefined ? -1 : c.trackingRedirect);
  r.bulk('prefixes');
  const prefixes = st?.prefixes ?? [];
  r.array(prefixes.length);
  for (const p of prefixes) r.bulk(p);
}
