import { z } from 'zod';

/**
 * Every environment variable the services read, with its default and meaning.
 * docs/configuration.md's table is generated from the same descriptions
 * (see `configDocs`), so the two cannot drift apart.
 */
const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `host:port,host:port` (an IPv6 host in brackets); empty is an empty list. */
const hostPortList = z
  .string()
  .regex(/^$|^\s*(\[[0-9A-Fa-f:.]+\]|[^\s,:[\]]+):\d{1,5}\s*(,\s*(\[[0-9A-Fa-f:.]+\]|[^\s,:[\]]+):\d{1,5}\s*)*$/, 'comma-separated host:port')
  .transform((value): readonly HostPort[] =>
    value === ''
      ? []
      : value.split(',').map((entry) => {
          const trimmed = entry.trim();
          const colon = trimmed.lastIndexOf(':');
          return { host: trimmed.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(trimmed.slice(colon + 1)) };
        }),
  )
  .refine((nodes) => nodes.every((node) => node.port >= 1 && node.port <= 65_535), 'ports are 1 to 65535');

/** SHA-256 of the empty string: a token nobody could send. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Comma-separated SHA-256 hex digests, lower-cased; empty is none. */
const adminTokenHashes = z
  .string()
  .regex(/^$|^\s*[0-9A-Fa-f]{64}\s*(,\s*[0-9A-Fa-f]{64}\s*)*$/, 'comma-separated SHA-256 hex digests (64 hex digits each)')
  .transform((value): readonly string[] => (value.trim() === '' ? [] : value.split(',').map((hash) => hash.trim().toLowerCase())))
  .refine((hashes) => !hashes.includes(EMPTY_SHA256), 'that is the SHA-256 of an empty token');

const variables = {
  REDIS_URL: {
    schema: z.url({ protocol: /^rediss?$/ }),
    default: 'redis://127.0.0.1:6379',
    doc: 'Standalone Redis connection URL (redis:// or rediss:// for TLS). Ignored when REDIS_CLUSTER_NODES or REDIS_SENTINELS is set.',
  },
  REDIS_CLUSTER_NODES: {
    schema: hostPortList,
    default: '',
    doc: 'Redis Cluster mode: comma-separated host:port of some cluster nodes (any primaries or replicas; the rest are discovered). Empty: not a Cluster.',
  },
  REDIS_SENTINELS: {
    schema: hostPortList,
    default: '',
    doc: 'Sentinel mode: comma-separated host:port of the Sentinels, which tell every client the current primary of REDIS_SENTINEL_NAME. Empty: no Sentinel.',
  },
  REDIS_SENTINEL_NAME: {
    schema: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a Sentinel master name'),
    default: 'mymaster',
    doc: 'Sentinel mode: the name the Sentinels monitor the primary under.',
  },
  REDIS_SENTINEL_PASSWORD: {
    schema: z.string().max(512),
    default: '',
    doc: 'Sentinel mode: password of the Sentinels themselves (their requirepass), when they have one. Never logged.',
  },
  REDIS_USERNAME: {
    schema: z.string().max(128),
    default: '',
    doc: 'Redis ACL user name, in every mode; overrides one in REDIS_URL. Empty: the default user.',
  },
  REDIS_PASSWORD: {
    schema: z.string().max(512),
    default: '',
    doc: 'Redis password (AUTH), in every mode; overrides one in REDIS_URL, so the URL can live in a ConfigMap and the password in a Secret. Never logged.',
  },
  REDIS_TLS: {
    schema: booleanFlag,
    default: 'false',
    doc: 'Connect to Redis (and Sentinels) over TLS. Standalone mode also turns TLS on for a rediss:// URL. Extra CAs: NODE_EXTRA_CA_CERTS.',
  },
  REDIS_COMMAND_TIMEOUT_MS: {
    schema: integer(50, 60_000),
    default: '1000',
    doc: 'How long the API waits for a Redis reply on a request before answering 503 store_unavailable: a Redis that stalls costs a client this long, never a hung request.',
  },
  KEY_PREFIX: {
    schema: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ or -, at most 32'),
    default: 'captcha',
    doc: 'Prefix of every Redis key and of the BullMQ queue, so several deployments can share one Redis.',
  },
  PORT: { schema: integer(0, 65535), default: '8080', doc: 'HTTP port of the API.' },
  HOST: { schema: z.string().min(1), default: '0.0.0.0', doc: 'Interface the API listens on.' },
  PUBLIC_URL: {
    schema: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]),
    default: '',
    doc: 'Base URL clients reach the API at, used for absolute image URLs. Empty: derived from each request.',
  },
  TRUST_PROXY: {
    schema: booleanFlag,
    default: 'false',
    doc: 'Trust X-Forwarded-For/-Proto/-Host from the load balancer. Enable only behind a proxy that sets them.',
  },
  PROXY_HOPS: {
    schema: integer(1, 10),
    default: '1',
    doc: 'With TRUST_PROXY: how many proxies append to X-Forwarded-For; the client IP is the entry that many places from the right.',
  },
  CAPTCHA_TTL_SECONDS: {
    schema: integer(1, 86_400),
    default: '300',
    doc: 'Lifetime of an issued captcha, and of a proof-of-work puzzle.',
  },
  RENDER_DIFFICULTY: {
    schema: z.enum(['easy', 'normal', 'hard']),
    default: 'normal',
    doc: 'How strongly workers distort new captchas (see the hardness figures in docs/benchmarks.md).',
  },
  RENDER_STYLE_SECRET: {
    // Any string is valid, so a bad value can never be echoed into a ConfigError (and so into logs).
    schema: z.string(),
    default: '',
    doc: 'Secret that picks this deployment\'s captcha style (fonts and distortion family), so a solver trained on the public default style does not simply transfer. Keep it private and the same on every worker; never logged. Empty: the public default style.',
  },
  ANSWER_LENGTH: { schema: integer(4, 10), default: '6', doc: 'Characters per captcha answer.' },
  POOL_SHARDS: {
    schema: integer(1, 64),
    default: '16',
    doc: 'Number of Redis lists the prerendered pool is spread over. On a Redis Cluster each shard is one slot, and shards are placed evenly over the slot space: 16 fall 6/5/5 over 3 primaries; raise it (up to 64) for more primaries.',
  },
  POOL_TARGET_SIZE: {
    schema: integer(1, 1_000_000),
    default: '2000',
    doc: 'Prerendered captchas the workers keep in the pool (all shards together).',
  },
  POOL_LOW_WATERMARK: {
    schema: integer(0, 1_000_000),
    default: '800',
    doc: 'Below this many pooled captchas an API pod asks the workers for a refill.',
  },
  POOL_WAIT_MS: {
    schema: integer(0, 30_000),
    default: '2000',
    doc: 'How long a request waits for an on-demand render when the pool is empty before answering 503.',
  },
  RENDER_BATCH_SIZE: {
    schema: integer(1, 10_000),
    default: '50',
    doc: 'Captchas a worker renders before pushing them into the pool.',
  },
  WORKER_CONCURRENCY: {
    schema: integer(1, 64),
    default: '2',
    doc: 'Refill jobs one worker process runs at once.',
  },
  WORKER_STALLED_INTERVAL_MS: {
    schema: integer(500, 600_000),
    default: '30000',
    doc: 'How often workers look for refill jobs whose worker died (and hand them on once their lock, at least 30 s, expires). The pool does not wait for this: every worker tops short shards up itself every POOL_CHECK_INTERVAL_MS.',
  },
  RATE_LIMIT_ISSUE_PER_MINUTE: {
    schema: integer(0, 1_000_000),
    default: '300',
    doc: 'Captchas one client (IPv4 address or IPv6 /64) may get per minute (classic issue and widget challenge); 0 turns the limit off. A site\'s override is another threshold on the same count.',
  },
  RATE_LIMIT_SOLVE_PER_MINUTE: {
    schema: integer(0, 1_000_000),
    default: '300',
    doc: 'Answer checks one client may make per minute (classic test, widget solve, demo form); 0 turns the limit off. A site\'s override is another threshold on the same count.',
  },
  RATE_LIMIT_SITEVERIFY_PER_MINUTE: {
    schema: integer(0, 1_000_000),
    default: '6000',
    doc: 'siteverify calls one client (a site backend) may make per minute; 0 turns the limit off.',
  },
  RATE_LIMIT_AUDIO_PER_MINUTE: {
    schema: integer(0, 1_000_000),
    default: '60',
    doc: 'Audio captchas one client may fetch per minute (classic getAudio, widget audio): each is spoken on request and costs a few milliseconds of CPU. 0 turns the limit off.',
  },
  RATE_LIMIT_LIVE_CAPTCHAS_PER_CLIENT: {
    schema: integer(0, 1_000_000),
    default: '200',
    doc: 'Captchas one client may hold at once (issued within one CAPTCHA_TTL_SECONDS): bounds what one client makes Redis hold and its share of the pool. No site can lift it. 0 turns it off (tests and benchmarks only).',
  },
  API_OPS_PORT: {
    schema: integer(0, 65535),
    default: '9101',
    doc: 'HTTP port of the API\'s /metrics, /healthz and /readyz, apart from PORT so that metrics are never on the public path. The admin API (/admin) is served here too, when ADMIN_TOKEN_SHA256 is set.',
  },
  ADMIN_TOKEN_SHA256: {
    schema: adminTokenHashes,
    default: '',
    doc: 'SHA-256 (64 hex digits) of the admin API\'s bearer token, or several comma-separated during a rotation. The token itself is never given to the service. Empty: no admin API. docs/operations.md shows how to make a token and its hash.',
  },
  ADMIN_AUDIT_LOG_LENGTH: {
    schema: integer(10, 1_000_000),
    default: '10000',
    doc: 'Entries the admin audit log keeps (a Redis stream, oldest dropped first). A typical entry takes about 220 bytes of Redis memory: 2.2 MB at the default.',
  },
  WORKER_PORT: {
    schema: integer(0, 65535),
    default: '9100',
    doc: 'HTTP port of a worker\'s /metrics, /healthz and /readyz.',
  },
  METRICS_SITE_LABEL_CAP: {
    schema: integer(0, 10_000),
    default: '100',
    doc: 'Sites that get their own metrics label; later ones share "other".',
  },
  POOL_CHECK_INTERVAL_MS: {
    schema: integer(100, 3_600_000),
    default: '5000',
    doc: 'How often a worker tops every pool shard up to its target on its own (after quiet periods and Redis restarts).',
  },
  TOKEN_SECRET: {
    schema: z.union([z.literal(''), z.string().min(32, 'at least 32 characters')]),
    default: '',
    doc: 'HMAC secret that signs widget response tokens; the same on every API pod. Required by the API (no default).',
  },
  TOKEN_TTL_SECONDS: {
    schema: integer(1, 3600),
    default: '300',
    doc: 'Lifetime of a response token, from the solve to siteverify.',
  },
  SITEVERIFY_RETRY_WINDOW_SECONDS: {
    schema: integer(0, 3600),
    default: '60',
    doc: 'How long after a token\'s first successful siteverify a retry with the same idempotency_key succeeds again (marked replayed); 0 turns retries off.',
  },
  SITE_CACHE_SECONDS: {
    schema: integer(0, 300),
    default: '5',
    doc: 'How long an API pod may answer from its memory of a site or an API key. Every change (a revoked key, new origins, a new mode) is announced over Redis pub/sub and clears every pod\'s memory at once; this bounds how stale a pod can be while it misses announcements (its subscription is reconnecting). 0 reads Redis on every request.',
  },
  POW_WORK: {
    schema: integer(1000, 100_000_000),
    default: '40000',
    doc: 'Average SHA-256 hashes a proof-of-work puzzle takes (a puzzle takes 0.5 to 1.5 times this), for sites in the pow and pow+image modes without their own (`npm run admin -- set-pow`). Headless Chromium on a busy 2-core machine solves the default in a median of 0.9 s (p90 1.3 s); phones take several times longer.',
  },
  POW_WINDOW_SECONDS: {
    schema: integer(10, 86_400),
    default: '600',
    doc: 'Sliding window over which the pow modes count each client\'s (IPv4 address or IPv6 /64) challenges, failed answers and implausibly fast answers.',
  },
  POW_VOLUME_STEP: {
    schema: integer(0, 1_000_000),
    default: '20',
    doc: 'Challenges one client may fetch within POW_WINDOW_SECONDS before its puzzles take twice the work; every further step doubles again, up to 16 times the site\'s work. 0 turns this off.',
  },
  STEP_UP_CHALLENGES: {
    schema: integer(0, 1_000_000),
    default: '30',
    doc: 'pow+image: from this many challenges within POW_WINDOW_SECONDS, a client must answer an image as well as the puzzle. 0: volume alone never adds an image.',
  },
  STEP_UP_FAILURES: {
    schema: integer(0, 1_000_000),
    default: '3',
    doc: 'pow+image: from this many failed answers (wrong images; unsolved, forged or reused puzzles) within POW_WINDOW_SECONDS, a client must answer an image as well. 0: never for failures.',
  },
  STEP_UP_FAST_ANSWERS: {
    schema: integer(0, 1_000_000),
    default: '1',
    doc: 'pow+image: from this many implausibly fast image answers (see STEP_UP_FAST_ANSWER_MS) within POW_WINDOW_SECONDS, a client keeps getting an image. 0: never for speed.',
  },
  STEP_UP_FAST_ANSWER_MS: {
    schema: integer(0, 60_000),
    default: '1500',
    doc: 'An image answered sooner than this after it was shown counts as implausibly fast: nobody reads and types the characters that quickly.',
  },
  DEMO_SITEKEY: {
    schema: z.union([z.literal(''), z.string().regex(/^FC[A-Z2-7]{14}$/, 'a sitekey')]),
    default: '',
    doc: 'Sitekey of the /demo page. Empty (with DEMO_API_KEY): no demo. `npm start` sets both.',
  },
  STUDY_PAGE: {
    schema: booleanFlag,
    default: 'false',
    doc: 'Serve /demo/study, where people read 30 captchas of every difficulty and see their own solve rate and time; their answers count in captcha_solve_duration_seconds{api="study"}. `npm start` turns it on.',
  },
  DEMO_API_KEY: {
    schema: z.string().max(128),
    default: '',
    doc: 'API key the /demo backend uses for siteverify.',
  },
  BODY_LIMIT_BYTES: {
    schema: integer(256, 10_485_760),
    default: '16384',
    doc: 'Largest accepted request body.',
  },
  HTTP_KEEP_ALIVE_TIMEOUT_MS: {
    schema: integer(1000, 600_000),
    default: '65000',
    doc: 'Idle keep-alive timeout of API connections; keep it above the load balancer\'s (60 s for nginx and most cloud LBs), or it may reuse a connection the API is closing.',
  },
  HTTP_MAX_CONNECTIONS: {
    schema: integer(16, 1_000_000),
    default: '10000',
    doc: 'Open connections one API process accepts; more are closed at once, so a flood of idle sockets cannot exhaust its memory or file descriptors.',
  },
  HTTP_HEADERS_TIMEOUT_MS: {
    schema: integer(500, 120_000),
    default: '10000',
    doc: 'Time a client has to send a request\'s headers; slower connections are closed (slowloris).',
  },
  HTTP_REQUEST_TIMEOUT_MS: {
    schema: integer(1000, 300_000),
    default: '15000',
    doc: 'Time a client has to send a whole request, body included; slower connections are closed.',
  },
  SHUTDOWN_DRAIN_MS: {
    schema: integer(0, 120_000),
    default: '5000',
    doc: 'After SIGTERM the API reports not-ready but keeps serving this long, so load balancers stop routing to it first.',
  },
  SHUTDOWN_TIMEOUT_MS: {
    schema: integer(100, 600_000),
    default: '15000',
    doc: 'After the drain, how long in-flight requests (or a worker\'s batch) may take before connections are cut.',
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    doc: 'pino log level.',
  },
} as const;

type Variables = typeof variables;
type VariableName = keyof Variables;

export type Config = Readonly<{
  [K in VariableName as CamelCase<K>]: z.output<Variables[K]['schema']>;
}>;

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Lowercase<Head>}${Capitalize<CamelCase<Tail>>}`
  : Lowercase<S>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function camelCase(name: string): string {
  return name.toLowerCase().replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Reads and checks every variable at once; throws one ConfigError listing all bad values. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(variables) as [VariableName, Variables[VariableName]][]) {
    const raw = env[name] ?? variable.default;
    const parsed = variable.schema.safeParse(raw);
    if (parsed.success) {
      result[camelCase(name)] = parsed.data;
    } else {
      const reason = parsed.error.issues.map((issue) => issue.message).join('; ');
      problems.push(`${name}=${JSON.stringify(raw)}: ${reason}`);
    }
  }
  if (problems.length === 0) {
    if ((result.redisClusterNodes as HostPort[]).length > 0 && (result.redisSentinels as HostPort[]).length > 0) {
      problems.push('REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set: choose Cluster or Sentinel');
    }
    const low = result.poolLowWatermark as number;
    const target = result.poolTargetSize as number;
    if (low >= target) problems.push(`POOL_LOW_WATERMARK (${low}) must be below POOL_TARGET_SIZE (${target})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(result) as Config;
}

/** Name, default and description of every variable, for documentation. */
export function configDocs(): { name: string; default: string; doc: string }[] {
  return Object.entries(variables).map(([name, variable]) => ({
    name,
    default: variable.default,
    doc: variable.doc,
  }));
}
