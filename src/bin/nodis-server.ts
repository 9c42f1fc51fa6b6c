#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import { Config, ConfigFileError, argvToConfigText } from '../server/config.js';
import { Server } from '../server/server.js';
import { NODIS_OWN_VERSION, NODIS_VERSION } from '../server/version.js';

function fatalConfig(e: ConfigFileError): never {
  process.stderr.write(
    `\n*** FATAL CONFIG FILE ERROR (Redis ${NODIS_VERSION}) ***\n` +
      `Reading the configuration file, at line ${e.lineNo}\n` +
      `>>> '${e.line}'\n${e.reason}\n`,
  );
  process.exit(1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '-v' || args[0] === '--version') {
    process.stdout.write(`Nodis server v=${NODIS_OWN_VERSION} redis_compat=${NODIS_VERSION} node=${process.version}\n`);
    return;
  }
  if (args[0] === '-h' || args[0] === '--help') {
    process.stdout.write('Usage: nodis-server [/path/to/redis.conf] [--port 6379] [--bind 127.0.0.1] [--option value ...]\n');
    return;
  }
  const config = new Config();
  // Nodis listens on loopback unless told otherwise (redis.conf's shipped default), not on all interfaces.
  config.set('bind', ['127.0.0.1', '-::1'], true);
  const { file, text } = argvToConfigText(args);
  try {
    if (file !== null) {
      const body = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
      config.configFile = file === '-' ? null : path.resolve(file);
      config.loadText(body, file === '-' ? process.cwd() : path.dirname(path.resolve(file)));
    }
    config.loadText(text, process.cwd());
  } catch (e) {
    if (e instanceof ConfigFileError) fatalConfig(e);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EACCES') {
      process.stderr.write(`Fatal error, can't open config file '${file}': ${(e as Error).message}\n`);
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
  const server = new Server(config);
  server.log.notice(`oO0OoO0OoO0Oo Nodis is starting oO0OoO0OoO0Oo`);
  server.log.notice(`Nodis version=${NODIS_OWN_VERSION}, redis compatibility=${NODIS_VERSION}, node=${process.version}, pid=${process.pid}, just started`);
  if (file === null) server.log.warning(`Warning: no config file specified, using the default config. In order to specify a config file use nodis-server /path/to/redis.conf`);
  try {
    await server.listen();
  } catch (e) {
    server.log.warning(`Failed listening on port ${config.int('port')} (tcp), aborting: ${(e as Error).message}`);
    process.exit(1);
  }
  server.log.notice(`Running mode=standalone, port=${server.port}.`);
  server.log.notice(`Server initialized`);
  server.log.notice(`Ready to accept connections tcp`);
  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    server.log.warning(`${why} scheduling shutdown...`);
    await server.shutdown();
    server.log.warning('Nodis is now ready to exit, bye bye...');
    process.exit(0);
  };
  server.onShutdown = () => void shutdown('User requested shutdown...');
  process.on('SIGTERM', () => void shutdown('Received SIGTERM'));
  process.on('SIGINT', () => void shutdown('Received SIGINT'));
}

void main();
