// Configuration: parsed once from the environment, validated, frozen. The only reader of process.env;
// the README's configuration table mirrors this schema.
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  // Default: info, or silent under NODE_ENV=test.
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  PGLITE_DIR: z.string().min(1).default('.data/pglite'),
  DEMO_DATA: bool.default(true),
  MIGRATE_ON_START: bool.optional(),
  DB_POOL_MAX: int(1, 1000).default(20),
  DB_IDLE_TIMEOUT_S: int(0, 86_400).default(30),
  DB_MAX_LIFETIME_S: int(0, 86_400).default(1800),
  DB_CONNECT_TIMEOUT_S: int(1, 600).default(5),
  DB_STATEMENT_TIMEOUT_MS: int(0, 3_600_000).default(15_000),
  DB_IDLE_IN_TX_TIMEOUT_MS: int(0, 3_600_000).default(30_000),
  DB_PREPARE: bool.default(true),
  DB_RANDOM_PAGE_COST: z.coerce.number().min(0.1).max(100).default(1.1),
  EXECUTOR: z.enum(['jit', 'graphql-js']).default('jit'),
  // Queries Apollo has accepted run again without its per-request pipeline (src/http/operation-path.middleware.ts; jit only).
  OPERATION_PATH: bool.default(true),
  SLOW_REQUEST_MS: int(1, 3_600_000).default(1000),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
  // Operator endpoints (/metrics, /health/database) on an address of their own, without a key; unset:
  // on the API's port, for admin keys only.
  OPS_PORT: int(0, 65_535).optional(),
  OPS_HOST: z.string().min(1).default('127.0.0.1'),
  // Default: on outside production.
  GRAPHIQL: bool.optional(),
  DB_RECONNECT_BACKOFF_MAX_MS: int(0, 60_000).default(500),
  // API-key lookups cached in process; a revocation acts within this bound everywhere (0: no cache).
  API_KEY_CACHE_MS: int(0, 60_000).default(1000),
  // Live evaluation (docs/evaluation.md): every write re-matches the (frame, class) groups it touched at
  // this IoU threshold, in its transaction; off: writes only mark their sessions for on-demand evaluation.
  EVALUATION_LIVE: bool.default(true),
  EVALUATION_LIVE_IOU: z.coerce.number().gt(0).max(1).default(0.5),
  // Security (docs/security.md): request limits, introspection, fault injection.
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'must be a size like 10mb, 512kb or 1000b')
    .default('10mb'),
  INTROSPECTION: bool.optional(),
  QUERY_MAX_DEPTH: int(1, 1000).default(12),
  QUERY_MAX_ALIASES: int(0, 10_000).default(30),
  QUERY_MAX_DIRECTIVES: int(0, 10_000).default(50),
  QUERY_MAX_TOKENS: int(10, 1_000_000).default(2000),
  QUERY_MAX_COST: int(1, 2_000_000_000).default(1_000_000),
  // Deepest nesting of a variable's value (and of extensions); deeper is a 400 BAD_USER_INPUT.
  QUERY_MAX_VARIABLE_DEPTH: int(1, 1000).default(32),
  FAULT_INJECTION: bool.default(false),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  // Response cache, persisted queries and trusted documents (src/cache/, docs/response-cache.md).
  CACHE: z.enum(['on', 'off']).default('on'),
  CACHE_TTL_S: int(1, 30 * 86_400).default(3600),
  CACHE_MAX_BYTES: int(1024, 64 * 1024 ** 3).default(64 * 1024 * 1024),
  // Largest single response the cache stores; a larger one is served but not stored.
  CACHE_MAX_ENTRY_BYTES: int(1024, 1024 ** 3).default(8 * 1024 * 1024),
  CACHE_VERSION: z.string().min(1).default('1'),
  CACHE_REDIS_TIMEOUT_MS: int(5, 60_000).default(100),
  CACHE_REDIS_BULK_TIMEOUT_MS: int(5, 60_000).default(1000),
  CACHE_BREAKER_RESET_MS: int(50, 600_000).default(1000),
  CACHE_LOCK_WAIT_MS: int(0, 60_000).default(1000),
  // Refresh-ahead: recomputations at once of hot entries a write dropped (0: off), and how many hits make one hot.
  CACHE_REFRESH_AHEAD: int(0, 64).default(2),
  CACHE_REFRESH_MIN_HITS: int(1, 1_000_000).default(2),
  // With Redis: bytes of large bodies (16 KiB and more) each process keeps, checked on every hit (0: none).
  CACHE_LOCAL_COPY_BYTES: int(0, 64 * 1024 ** 3).default(64 * 1024 * 1024),
  REDIS_KEY_PREFIX: z.string().default('truthgraph:'),
  APQ_TTL_S: int(0, 365 * 86_400).default(86_400),
  TRUSTED_DOCUMENTS_ONLY: bool.default(false),
  TRUSTED_DOCUMENTS_MANIFEST: z.string().min(1).default('operations/__generated__/persisted-documents.json'),
  // Browser origins allowed to call the API (comma-separated `scheme://host[:port]`, or `*` outside
  // production). Unset: none besides the server's own (GraphiQL is served from it).
  CORS_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((o) => o.trim()).filter((o) => o.length > 0))
    .pipe(z.array(z.string().refine((o) => o === '*' || isOrigin(o), 'each origin must be scheme://host[:port] (no path, no trailing slash) or *')))
    .optional(),
});

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return url.origin === value && url.origin !== 'null';
  } catch {
    return false;
  }
}

type Parsed = z.infer<typeof schema>;
export type Config = Readonly<
  Omit<Parsed, 'LOG_LEVEL' | 'GRAPHIQL' | 'CORS_ORIGINS'> & {
    LOG_LEVEL: NonNullable<Parsed['LOG_LEVEL']>;
    CORS_ORIGINS: readonly string[];
    GRAPHIQL: boolean;
    migrateOnStart: boolean;
    introspection: boolean;
  }
>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked = Object.fromEntries(
    Object.keys(schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      return `  ${name}=${JSON.stringify(picked[name])}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.NODE_ENV === 'production' && c.CORS_ORIGINS?.includes('*')) {
    throw new ConfigError(`invalid configuration:\n  CORS_ORIGINS=${JSON.stringify(picked.CORS_ORIGINS)}: * is not allowed in production; list the origins`);
  }
  return Object.freeze(
    Object.assign({}, c, {
    LOG_LEVEL: c.LOG_LEVEL ?? (c.NODE_ENV === 'test' ? 'silent' : 'info'),
    GRAPHIQL: c.GRAPHIQL ?? c.NODE_ENV !== 'production',
    // The embedded database has no separate deploy step that could migrate it, so it always does.
    migrateOnStart: c.MIGRATE_ON_START ?? (c.NODE_ENV !== 'production' || !c.DATABASE_URL),
    introspection: c.INTROSPECTION ?? c.NODE_ENV !== 'production',
    CORS_ORIGINS: Object.freeze(c.CORS_ORIGINS ?? []),
    }),
  );
}
