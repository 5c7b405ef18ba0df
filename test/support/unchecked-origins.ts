/**
 * Origins whose answers are outside the public API's description: the
 * operations ports (/metrics, /healthz, /readyz). Kept on globalThis so that
 * the response checks and the helpers that start services share one set.
 */
const KEY = Symbol.for('captcha-cluster.unchecked-origins');

function origins(): Set<string> {
  const holder = globalThis as { [KEY]?: Set<string> };
  holder[KEY] ??= new Set<string>();
  return holder[KEY];
}

/** Leaves these origins (base URLs) out of the checks against the OpenAPI description. */
export function skipResponseChecks(...urls: readonly (string | undefined)[]): void {
  for (const url of urls) if (url) origins().add(new URL(url).origin);
}

export function isResponseCheckSkipped(url: URL): boolean {
  return origins().has(url.origin);
}
