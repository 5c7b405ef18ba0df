import { describe, expect, it } from 'vitest';
import { configDocs, ConfigError, loadConfig } from '../../shared/runtime/config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      port: 8080,
      captchaTtlSeconds: 300,
      answerLength: 6,
      trustProxy: false,
      publicUrl: '',
      poolShards: 16,
    });
    expect(config.poolLowWatermark).toBeLessThan(config.poolTargetSize);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads and converts values from the environment', () => {
    const config = loadConfig({ PORT: '9000', TRUST_PROXY: 'true', REDIS_URL: 'redis://redis:6380/2', PUBLIC_URL: 'https://captcha.example' });
    expect(config.port).toBe(9000);
    expect(config.trustProxy).toBe(true);
    expect(config.redisUrl).toBe('redis://redis:6380/2');
    expect(config.publicUrl).toBe('https://captcha.example');
  });

  it('reports every bad value at once', () => {
    let thrown: unknown;
    try {
      loadConfig({ PORT: 'eighty', CAPTCHA_TTL_SECONDS: '-1', REDIS_URL: 'http://nope', TRUST_PROXY: 'maybe', LOG_LEVEL: 'loud' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const problems = (thrown as ConfigError).problems;
    expect(problems).toHaveLength(5);
    for (const name of ['PORT', 'CAPTCHA_TTL_SECONDS', 'REDIS_URL', 'TRUST_PROXY', 'LOG_LEVEL']) {
      expect(problems.some((problem) => problem.startsWith(`${name}=`))).toBe(true);
    }
  });

  it('rejects a low watermark at or above the target', () => {
    expect(() => loadConfig({ POOL_TARGET_SIZE: '100', POOL_LOW_WATERMARK: '100' })).toThrow(/POOL_LOW_WATERMARK/);
  });

  it('documents every variable it reads', () => {
    const names = configDocs().map((doc) => doc.name);
    expect(names).toContain('REDIS_URL');
    expect(names).toContain('PORT');
    for (const doc of configDocs()) expect(doc.doc.length).toBeGreaterThan(10);
  });
});

describe('docs/configuration.md', () => {
  it('carries the configuration table generated from the config module (npm run docs:config)', async () => {
    const { readFile } = await import('node:fs/promises');
    const { withConfigTable } = await import('../../scripts/config-table.js');
    const readme = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(readme).toBe(withConfigTable(readme));
    for (const { name } of configDocs()) {
      expect(readme.split('\n').filter((line) => line.startsWith(`| \`${name}\` |`)), name).toHaveLength(1);
    }
  });
});
