import type { PoolObserver } from '../../domain/captcha/ports.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SiteLabels } from './site-labels.js';
import { TalliedCounter, TalliedHistogram } from './tallied-metrics.js';

/** Which public API an event came through. */
export type MetricsApi = 'classic_v2' | 'classic_v3' | 'widget' | 'siteverify';

/** How a verification ended; one vocabulary across the APIs so Grafana can compare them. */
/** `replayed`: an idempotent retry of a siteverify that succeeded before, counted apart so successes are not counted twice. */
export type VerificationOutcome = 'success' | 'replayed' | 'mismatch' | 'unknown' | 'duplicate' | 'invalid' | 'timeout';

/** Where an answered captcha came from: the public APIs, or the study page operators calibrate on. */
export type AnswerSource = 'classic_v2' | 'classic_v3' | 'widget' | 'study';

/** Seconds from issue to answer. People need a few seconds to read and type six characters; solvers need milliseconds. */
export const SOLVE_TIME_BUCKETS = [0.5, 1, 1.5, 2, 3, 5, 8, 13, 21, 34, 60, 120, 300];

/**
 * Both services' registry: a private one, with the default process metrics,
 * never the global one. Series say which service they come from in a
 * `component` label: the Prometheus Operator sets `service` itself (to the
 * Kubernetes Service's name) and would rename ours to `exported_service`.
 */
export function createRegistry(component: 'api' | 'worker'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Metrics about captchas and the pool that API pods record. */
export class CaptchaMetrics implements PoolObserver {
  // The four recorded on the request path are tallied (tallied-metrics.ts); the rest are prom-client's own.
  private readonly issuedTotal: TalliedCounter<'api' | 'site'>;
  private readonly verificationsTotal: TalliedCounter<'api' | 'site' | 'outcome'>;
  private readonly poolWaitsTotal: Counter;
  private readonly poolExhaustedTotal: Counter;
  private readonly redisErrorsTotal: Counter;
  private readonly rateLimitedTotal: Counter<'action'>;
  private readonly requestDuration: TalliedHistogram<'route' | 'method' | 'status'>;
  private readonly solveDuration: TalliedHistogram<'api' | 'site' | 'difficulty' | 'outcome'>;

  constructor(
    registry: Registry,
    private readonly sites: SiteLabels,
  ) {
    const registers = [registry];
    this.issuedTotal = new TalliedCounter({
      name: 'captcha_issued_total',
      help: 'Captchas issued, by API and site.',
      labelNames: ['api', 'site'],
      registers,
    });
    this.verificationsTotal = new TalliedCounter({
      name: 'captcha_verifications_total',
      help: 'Answer checks and token verifications, by API, site and outcome.',
      labelNames: ['api', 'site', 'outcome'],
      registers,
    });
    this.poolWaitsTotal = new Counter({
      name: 'captcha_pool_waits_total',
      help: 'Issue requests that found the pool empty and waited for an on-demand render.',
      registers,
    });
    this.poolExhaustedTotal = new Counter({
      name: 'captcha_pool_exhausted_total',
      help: 'Issue requests answered 503 because the pool stayed empty.',
      registers,
    });
    this.redisErrorsTotal = redisErrorsCounter(registry);
    this.rateLimitedTotal = new Counter({
      name: 'captcha_rate_limited_total',
      help: 'Requests refused with 429 by the per-client rate limits, by action.',
      labelNames: ['action'],
      registers,
    });
    this.solveDuration = new TalliedHistogram({
      name: 'captcha_solve_duration_seconds',
      help: 'Time from issue to answer of every answered captcha (one try each, so success/count is the first-try solve rate), by API, site, difficulty and outcome.',
      labelNames: ['api', 'site', 'difficulty', 'outcome'],
      buckets: SOLVE_TIME_BUCKETS,
      registers,
    });
    this.requestDuration = new TalliedHistogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration, by route template, method and status.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }

  issued(api: MetricsApi, sitekey?: string): void {
    this.issuedTotal.inc([api, this.site(sitekey)]);
  }

  verified(api: MetricsApi, outcome: VerificationOutcome, sitekey?: string): void {
    this.verificationsTotal.inc([api, this.site(sitekey), outcome]);
  }

  /** One answered captcha: right (`success`) or wrong (`mismatch`), after `seconds`. */
  answered(api: AnswerSource, difficulty: string, outcome: 'success' | 'mismatch', seconds: number, sitekey?: string): void {
    this.solveDuration.observe([api, this.site(sitekey), difficulty, outcome], seconds);
  }

  waited(): void {
    this.poolWaitsTotal.inc();
  }

  exhausted(): void {
    this.poolExhaustedTotal.inc();
  }

  redisError(): void {
    this.redisErrorsTotal.inc();
  }

  rateLimited(action: string): void {
    this.rateLimitedTotal.inc({ action });
  }

  /** `route` must be a route template (or a fixed word), never a raw path. */
  request(route: string, method: string, status: number, seconds: number): void {
    this.requestDuration.observe([route, method, String(status)], seconds);
  }

  private site(sitekey: string | undefined): string {
    return sitekey === undefined ? SiteLabels.NONE : this.sites.labelFor(sitekey);
  }
}

export function redisErrorsCounter(registry: Registry): Counter {
  const existing = registry.getSingleMetric('captcha_redis_errors_total');
  if (existing) return existing as Counter;
  return new Counter({ name: 'captcha_redis_errors_total', help: 'Redis connection and command errors.', registers: [registry] });
}

export interface PoolGaugeSource {
  readonly shards: number;
  readonly target: number;
  readonly lowWatermark: number;
  depths(): Promise<number[]>;
}

/** Pool depth per shard, read from Redis when Prometheus scrapes, with the target and watermark beside it. */
export function registerPoolGauges(registry: Registry, source: PoolGaugeSource, onError: () => void): void {
  const registers = [registry];
  new Gauge({
    name: 'captcha_pool_depth',
    help: 'Prerendered captchas waiting in each pool shard (read at scrape time).',
    labelNames: ['shard'],
    registers,
    async collect() {
      try {
        const depths = await source.depths();
        depths.forEach((depth, shard) => this.set({ shard: String(shard) }, depth));
      } catch {
        this.reset(); // no value is better than a stale one
        onError();
      }
    },
  });
  new Gauge({ name: 'captcha_pool_target', help: 'Configured pool target size (all shards).', registers }).set(source.target);
  new Gauge({ name: 'captcha_pool_low_watermark', help: 'Configured pool low watermark (all shards).', registers }).set(source.lowWatermark);
}

export interface QueueCountsSource {
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;

/** Render queue job counts, read when Prometheus scrapes. */
export function registerQueueGauges(registry: Registry, queue: QueueCountsSource, onError: () => void): void {
  new Gauge({
    name: 'captcha_queue_jobs',
    help: 'Render queue jobs by state (read at scrape time).',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      try {
        const counts = await queue.getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
      } catch {
        this.reset();
        onError();
      }
    },
  });
}

/** Metrics the render workers record. */
export class RenderMetrics {
  private readonly renderDuration: Histogram;
  private readonly batchSize: Histogram;
  private readonly renderedTotal: Counter;
  private readonly failuresTotal: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.renderDuration = new Histogram({
      name: 'captcha_render_batch_duration_seconds',
      help: 'Time to render one batch of captchas.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'captcha_render_batch_size',
      help: 'Captchas rendered per batch.',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500],
      registers,
    });
    this.renderedTotal = new Counter({ name: 'captcha_rendered_total', help: 'Captchas rendered into the pool.', registers });
    this.failuresTotal = new Counter({ name: 'captcha_render_failures_total', help: 'Render batches that failed.', registers });
  }

  batch(count: number, seconds: number): void {
    this.renderDuration.observe(seconds);
    this.batchSize.observe(count);
    this.renderedTotal.inc(count);
  }

  failed(): void {
    this.failuresTotal.inc();
  }
}
