import type { Server } from '../server/server.js';

/** Attaches this module's per-server state and hooks; called once from the Server constructor. */
export function installScripting(server: Server): void {
  void server;
}
