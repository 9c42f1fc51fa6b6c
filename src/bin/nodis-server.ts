#!/usr/bin/env node
import { Config, ConfigFileError, ConfigOpenError, argvToConfigText } from '../server/config.js';
import { StartupError } from '../server/startup-error.js';
import { Server } from '../server/server.js';
import { Logger } from '../server/log.js';
import { NODIS_OWN_VERSION, NODIS_VERSION } from '../server/version.js';
import { loadDataFromDisk } from '../persistence/index.js';

/** redis-server's usage text, with our name; like Redis it goes to stderr and exits 1. */
const USAGE = `Usage: nodis-server [/path/to/redis.conf] [options] [-]
       nodis-server - (read config from stdin)
       nodis-server -v or --version
       nodis-server -h or --help

Examples:
       nodis-server (run the server with default conf)
       echo 'maxmemory 128mb' | nodis-server -
       nodis-server /etc/redis/6379.conf
       nodis-server --port 7777
       nodis-server --port 0 (any free port; the log says which)
       nodis-server /etc/myredis.conf --loglevel verbose -
`;

/** Redis's box for a bad directive, printed to stderr, byte for byte the same layout. */
function fatalConfig(e: ConfigFileError): never {
  process.stderr.write(
    `\n*** FATAL CONFIG FILE ERROR (Redis ${NODIS_VERSION}) ***\n` +
      `Reading the configuration file, at line ${e.lineNo}\n` +
      `>>> '${Buffer.from(e.line, 'latin1').toString('utf8')}'\n${e.reason}\n`,
  );
  process.exit(1);
}

/** The save a signal's shutdown makes first; false when it failed and the server must stay up. */
function saveBeforeSignalExit(server: Server, flags: string): boolean {
  const words = flags.split(' ');
  const wantSave = words.includes('save') || (server.config.get('save') !== '' && !words.includes('nosave'));
  if (!wantSave || server.saveHook === null) return true;
  server.log.notice('Saving the final RDB snapshot before exiting.');
  try {
    server.saveHook();
    return true;
  } catch (e) {
    server.log.warning(`Error saving the DB: ${(e as Error).message}`);
    if (words.includes('force')) return true;
    server.log.warning("Error trying to save the DB, can't exit.");
    return false;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  // Like Redis, only the first argument is looked at for these.
  if (args[0] === '-v' || args[0] === '--version') {
    process.stdout.write(`Nodis server v=${NODIS_OWN_VERSION} redis_version=${NODIS_VERSION} node=${process.version} bits=64\n`);
    process.exit(0);
  }
  if (args[0] === '-h' || args[0] === '--help') {
    process.stderr.write(USAGE);
    process.exit(1);
  }
  const config = new Config();
  // Nodis listens on loopback unless told otherwise (redis.conf's shipped default), not on all interfaces.
  config.set('bind', ['127.0.0.1', '-::1'], true);
  const { file, stdin, text } = argvToConfigText(args);
  try {
    config.loadServerConfig(file, stdin, text);
  } catch (e) {
    if (e instanceof ConfigFileError) fatalConfig(e);
    if (e instanceof ConfigOpenError) {
      new Logger().warning(e.message);
      process.exit(1);
    }
    throw e;
  }
  const dir = config.get('dir');
  try {
    process.chdir(dir);
  } catch (e) {
    process.stderr.write(`Can't chdir to '${dir}': ${(e as Error).message}\n`);
    process.exit(1);
  }
  let server: Server;
  try {
    server = new Server(config);
  } catch (e) {
    // Already logged in Redis's words by the module that refused (ACL file, users).
    if (e instanceof StartupError) process.exit(1);
    throw e;
  }
  server.log.warning(`oO0OoO0OoO0Oo Nodis is starting oO0OoO0OoO0Oo`);
  server.log.warning(`Nodis version=${NODIS_OWN_VERSION}, redis_version=${NODIS_VERSION}, node=${process.version}, pid=${process.pid}, just started`);
  if (file === null) {
    server.log.warning(`Warning: no config file specified, using the default config. In order to specify a config file use nodis-server /path/to/redis.conf`);
  } else {
    server.log.warning('Configuration loaded');
  }
  // Signals are handled from here on, so one arriving while we bind still exits cleanly.
  let stopping = false;
  const shutdown = async (why: string, signalConfig?: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    server.log.warning(`${why} scheduling shutdown...`);
    // prepareForShutdown for a signal: save first when save points are set (or shutdown-on-sig*
    // says save); a failed save keeps the server running unless that setting says force.
    if (signalConfig !== undefined && !saveBeforeSignalExit(server, config.get(signalConfig))) {
      stopping = false;
      return;
    }
    await server.shutdown();
    server.log.warning('Nodis is now ready to exit, bye bye...');
    process.exit(0);
  };
  server.onShutdown = () => void shutdown('User requested shutdown...');
  process.on('SIGTERM', () => void shutdown('Received SIGTERM', 'shutdown-on-sigterm'));
  process.on('SIGINT', () => void shutdown('Received SIGINT', 'shutdown-on-sigint'));
  try {
    await server.listen();
  } catch (e) {
    server.log.warning(`Failed listening on port ${config.int('port')} (tcp), aborting: ${(e as Error).message}`);
    process.exit(1);
  }
  // With --port 0 the system picks the port: this line is how scripts and tests learn it.
  server.log.notice(`Running mode=standalone, port=${server.port}.`);
  server.log.warning(`Server initialized`);
  // The dataset (AOF when appendonly is yes, else dump.rdb), loaded in slices while clients
  // already connected get LOADING. A file that cannot be loaded stops the server, untouched.
  try {
    await loadDataFromDisk(server);
  } catch (e) {
    server.log.warning((e as Error).message);
    server.log.warning('Fatal error loading the DB, check the log above. Exiting.');
    process.exit(1);
  }
  server.log.notice(`Ready to accept connections`);
}

void main();
