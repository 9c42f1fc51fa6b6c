import { Config, argvToConfigText, ConfigFileError } from './server/config.js';
import { Server } from './server/server.js';
import { Logger } from './server/log.js';
import { loadDataFromDisk } from './persistence/index.js';

export { Server, Config, Logger, ConfigFileError, argvToConfigText };

/**
 * Starts a Nodis server in this process, for embedding in a test suite:
 *   const server = await startServer({ port: 0 });  // server.port is the bound port
 *   ...; await server.close();
 * Options are redis.conf directives (`{ port: 0, save: '' }`); logging is off unless given.
 */
export async function startServer(options: Record<string, string | number> = {}): Promise<Server> {
  const config = new Config();
  config.set('save', [''], true);
  config.set('port', ['0'], true);
  config.set('loglevel', ['warning'], true);
  for (const [k, v] of Object.entries(options)) config.set(k, [String(v)], true);
  const server = new Server(config);
  await server.listen();
  // An embedded server starts empty unless told where its files are (a `dir` option): a test
  // suite's working directory is nobody's dataset.
  if (options.dir !== undefined) await loadDataFromDisk(server);
  return server;
}
