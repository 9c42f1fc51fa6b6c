import type { Server } from '../../server/server.js';

/**
 * The AOF's entry points (filled by the AOF work): installAof registers the propagation listener
 * and the appendonly/appendfsync config handling; loadAppendOnly replays the multi-part AOF at
 * start-up and answers false when there is none to load.
 */
export function installAof(server: Server): void {
  void server;
}

export async function loadAppendOnly(server: Server): Promise<boolean> {
  void server;
  return false;
}
