import { pino, type Logger } from 'pino';

/** JSON logs on stdout. Nothing the project logs carries an answer, a token or a key. */
export function createLogger(service: string, level: string): Logger {
  return pino({ name: service, level, base: { service } });
}
