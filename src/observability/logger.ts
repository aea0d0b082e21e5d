// Structured JSON logs through pino; one logger per process, children per request. Pretty, human
// output in development on a terminal (pino-pretty); silent under test unless LOG_LEVEL says otherwise.
import { pino, type Logger } from 'pino';
import type { Config } from '../config.js';

export type { Logger };

export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'NODE_ENV'>): Logger {
  const options = { level: config.LOG_LEVEL, base: { service: 'truthgraph' } };
  if (config.NODE_ENV === 'development' && process.stdout.isTTY) {
    return pino(Object.assign({}, options, { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }));
  }
  return pino(options);
}
