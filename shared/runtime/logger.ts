import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Redis errors carry the command that failed, and its arguments name keys
 * with client addresses (rate-limit counters), token ids and captcha ids:
 * logs keep the command's name and drop its arguments.
 */
const REDACTED_PATHS = ['err.command.args', 'err.cause.command.args', 'err.args', 'err.previousErrors[*].command.args'];

/** JSON logs on stdout. Nothing the project logs carries an answer, a token, a key or a client address. */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options = { name: service, level, base: { service }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
