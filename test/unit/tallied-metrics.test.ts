import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TalliedCounter, TalliedHistogram } from '../../shared/adapters/metrics/tallied-metrics.js';

/**
 * The exposition lines of one metric, with its name replaced and each line's
 * labels in name order (their order means nothing to Prometheus), so two
 * metrics' texts can be compared.
 */
async function linesOf(registry: Registry, name: string): Promise<string[]> {
  const text = await registry.getSingleMetricAsString(name);
  return text.split('\n').map((line) =>
    line.replaceAll(name, 'm').replace(/\{(.*)\}/, (_all, labels: string) => `{${labels.split(',').sort().join(',')}}`),
  );
}

describe('tallied metrics', () => {
  it('expose exactly what prom-client\'s own histogram exposes for the same observations, default labels included', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ component: 'api' });
    const buckets = [0.001, 0.01, 0.1, 1];
    const labelNames = ['route', 'status'] as const;
    const reference = new Histogram({ name: 'reference', help: 'h', labelNames, buckets, registers: [registry] });
    const tallied = new TalliedHistogram({ name: 'tallied', help: 'h', labelNames, buckets, registers: [registry] });
    // Values on the bounds, between them, past the last one, and zero.
    const observations: [string, string, number][] = [
      ['/a', '200', 0.001], ['/a', '200', 0.0005], ['/a', '200', 0.02], ['/a', '500', 3],
      ['/b', '200', 0], ['/b', '200', 1], ['/b', '200', 0.1000001], ['/a', '200', 0.01],
    ];
    for (const [route, status, value] of observations) {
      reference.observe({ route, status }, value);
      tallied.observe([route, status], value);
    }
    const expected = await linesOf(registry, 'reference');
    expect(expected.filter((line) => line.startsWith('m_bucket'))).toHaveLength(3 * (buckets.length + 1));
    expect(await linesOf(registry, 'tallied')).toEqual(expected);
  });

  it('count like prom-client\'s counter, and refuse label values of the wrong number or a value that is not finite', async () => {
    const registry = new Registry();
    const reference = new Counter({ name: 'reference', help: 'c', labelNames: ['api', 'outcome'], registers: [registry] });
    const tallied = new TalliedCounter({ name: 'tallied', help: 'c', labelNames: ['api', 'outcome'], registers: [registry] });
    for (const [api, outcome, by] of [['v3', 'success', 1], ['v3', 'mismatch', 2], ['v3', 'success', 1], ['widget', 'success', 5]] as const) {
      reference.inc({ api, outcome }, by);
      tallied.inc([api, outcome], by);
    }
    expect(await linesOf(registry, 'tallied')).toEqual(await linesOf(registry, 'reference'));
    expect(() => tallied.inc(['v3'])).toThrow(/expected 2 label values/);
    const histogram = new TalliedHistogram({ name: 'h', help: 'h', labelNames: ['a'], buckets: [1], registers: [registry] });
    expect(() => histogram.observe(['x'], Number.NaN)).toThrow(/not a finite number/);
  });

  it('keep label values apart that would run together when joined', () => {
    const registry = new Registry();
    const tallied = new TalliedCounter({ name: 't', help: 'c', labelNames: ['a', 'b'], registers: [registry] });
    tallied.inc(['x', 'yz']);
    tallied.inc(['xy', 'z']);
    expect(tallied.get().values.map((value) => value.labels)).toEqual([{ a: 'x', b: 'yz' }, { a: 'xy', b: 'z' }]);
  });
});
