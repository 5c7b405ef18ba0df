import type { Metric, Registry } from 'prom-client';

/**
 * Counters and histograms for the request path, published through a
 * prom-client registry like any other metric. prom-client checks and hashes a
 * labels object on every `inc`/`observe` (about 1.2 µs each here); these take
 * the label values in a fixed order and find their series with one Map lookup
 * per label (tens of ns). The API records four of them per request, so the difference
 * shows in its CPU per request. Everything else, the exposition format and
 * the registry's default labels included, stays prom-client's.
 */

interface MetricShape<Type extends 'counter' | 'histogram'> {
  readonly name: string;
  readonly help: string;
  readonly type: Type;
  readonly aggregator: 'sum';
}

interface ExposedValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

interface Entry<Series> {
  readonly labels: Record<string, string>;
  readonly series: Series;
}

/** A tree of Maps, one level per label: its last level holds the entries. */
type Level<Series> = Map<string, Level<Series> | Entry<Series>>;

/**
 * One series per distinct label values, found by walking one Map per label.
 * The label values a request path passes are the same string objects each
 * time (route templates, API names, outcomes), whose hashes V8 keeps, so a
 * lookup builds no key string and hashes nothing new.
 */
class SeriesTable<Series> {
  private readonly root: Level<Series> = new Map();
  private readonly all: Entry<Series>[] = [];

  constructor(
    private readonly labelNames: readonly string[],
    private readonly create: () => Series,
  ) {
    if (labelNames.length === 0) throw new Error('a tallied metric needs at least one label');
  }

  find(values: readonly string[]): Series {
    const last = this.labelNames.length - 1;
    if (values.length !== last + 1) {
      throw new Error(`expected ${String(last + 1)} label values (${this.labelNames.join(', ')}), got ${String(values.length)}`);
    }
    let level = this.root;
    for (let i = 0; i < last; i++) {
      const value = values[i] ?? '';
      let next = level.get(value) as Level<Series> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(value, next);
      }
      level = next;
    }
    const value = values[last] ?? '';
    let entry = level.get(value) as Entry<Series> | undefined;
    if (entry === undefined) {
      entry = { labels: Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] ?? ''])), series: this.create() };
      level.set(value, entry);
      this.all.push(entry);
    }
    return entry.series;
  }

  entries(): IterableIterator<Entry<Series>> {
    return this.all.values();
  }

  clear(): void {
    this.root.clear();
    this.all.length = 0;
  }
}

function register(metric: object, registers: readonly Registry[]): void {
  // The registry reads metrics through get(); it takes any object of that shape.
  for (const registry of registers) registry.registerMetric(metric as Metric);
}

export interface TalliedOptions<Label extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly Label[];
  readonly registers: readonly Registry[];
}

export class TalliedCounter<Label extends string> implements MetricShape<'counter'> {
  readonly name: string;
  readonly help: string;
  readonly type = 'counter' as const;
  readonly aggregator = 'sum' as const;
  private readonly table: SeriesTable<{ value: number }>;

  constructor(options: TalliedOptions<Label>) {
    this.name = options.name;
    this.help = options.help;
    this.table = new SeriesTable(options.labelNames, () => ({ value: 0 }));
    register(this, options.registers);
  }

  /** Adds one (or `by`) to the series of these label values, given in `labelNames` order. */
  inc(values: readonly string[], by = 1): void {
    this.table.find(values).value += by;
  }

  get(): MetricShape<'counter'> & { values: ExposedValue[] } {
    const values = [...this.table.entries()].map(({ labels, series }) => ({ labels, value: series.value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.table.clear();
  }
}

export class TalliedHistogram<Label extends string> implements MetricShape<'histogram'> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly table: SeriesTable<{ buckets: Float64Array; sum: number; count: number }>;
  private readonly upperBounds: readonly number[];

  constructor(options: TalliedOptions<Label> & { readonly buckets: readonly number[] }) {
    this.name = options.name;
    this.help = options.help;
    this.upperBounds = [...options.buckets].sort((a, b) => a - b);
    // One slot per bound and one past the last (+Inf); exposed cumulatively, as Prometheus reads them.
    this.table = new SeriesTable(options.labelNames, () => ({ buckets: new Float64Array(this.upperBounds.length + 1), sum: 0, count: 0 }));
    register(this, options.registers);
  }

  /** Records one value in the series of these label values, given in `labelNames` order. */
  observe(values: readonly string[], value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`${this.name}: value is not a finite number: ${String(value)}`);
    const series = this.table.find(values);
    let slot = 0;
    while (slot < this.upperBounds.length && value > (this.upperBounds[slot] ?? Infinity)) slot++;
    series.buckets[slot] = (series.buckets[slot] ?? 0) + 1;
    series.sum += value;
    series.count += 1;
  }

  get(): MetricShape<'histogram'> & { values: ExposedValue[] } {
    const values: ExposedValue[] = [];
    for (const { labels, series } of this.table.entries()) {
      let cumulative = 0;
      [...this.upperBounds, '+Inf' as const].forEach((bound, slot) => {
        cumulative += series.buckets[slot] ?? 0;
        values.push({ labels: { le: bound, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.table.clear();
  }
}
