/**
 * Vellum's public API: start a Redis-compatible server inside this process.
 *
 *   import { startServer } from 'vellum';
 *   const { port, close } = await startServer({ port: 0, dir: '/tmp/data' });
 */

export { startServer, Server } from './server/server.js';
export type { ServerHandle, StartOptions } from './server/server.js';
export { Config, ConfigError, VERSION } from './config/config.js';
export type { ConfigOptions } from './config/config.js';
export type { PropagationSink } from './server/propagate.js';
