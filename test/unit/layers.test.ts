import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Every module a file imports, as written. */
function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((match) => match[1] ?? '');
}

/** Packages that talk to the outside world: they belong to adapters, services and the runtime. */
const INFRASTRUCTURE = ['ioredis', 'bullmq', 'koa', '@koa/router', '@koa/cors', 'koa-body', 'prom-client', 'pino', 'node:http'];

describe('the layers of shared/', () => {
  it('keeps the domain free of adapters, the runtime, services and infrastructure packages', () => {
    const offending: string[] = [];
    for (const file of sources('shared/domain')) {
      for (const specifier of importsOf(file)) {
        const inward = specifier.startsWith('.') ? relative('shared', join(file, '..', specifier)) : undefined;
        const crossesOut = inward !== undefined && !inward.startsWith('domain');
        if (crossesOut || INFRASTRUCTURE.includes(specifier)) offending.push(`${file} imports ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('keeps adapters and the runtime from importing the services', () => {
    const offending = [...sources('shared/adapters'), ...sources('shared/runtime')].flatMap((file) =>
      importsOf(file)
        .filter((specifier) => specifier.startsWith('.') && !relative('.', join(file, '..', specifier)).startsWith('shared'))
        .map((specifier) => `${file} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });
});
