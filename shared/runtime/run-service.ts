import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './config.js';

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Runs a service as a process: a bad configuration or a failed start exits
 * non-zero with the reason; SIGTERM and SIGINT stop it gracefully, a second
 * signal exits at once. A signal that arrives while the service is still
 * starting stops it as soon as it has started, rather than killing it midway.
 */
export function runService(name: string, start: () => Promise<Stoppable>): void {
  let stopping = false;
  let stopWhenStarted: (() => void) | undefined;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`${name}: ${signal} received, shutting down\n`);
    stopWhenStarted?.();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  start().then(
    (service) => {
      stopWhenStarted = () => {
        service.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`${name}: shutdown failed: ${String(error)}\n`);
            process.exit(1);
          },
        );
      };
      if (stopping) stopWhenStarted();
    },
    (error: unknown) => {
      const reason = error instanceof ConfigError ? error.message : `failed to start: ${error instanceof Error ? error.message : String(error)}`;
      process.stderr.write(`${name}: ${reason}\n`);
      process.exit(1);
    },
  );
}
