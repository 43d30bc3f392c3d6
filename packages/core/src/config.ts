import path from "node:path";
import { z } from "zod";

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const port = z.coerce
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(0, "must be between 0 and 65535")
  .max(65535, "must be between 0 and 65535");

const openaiUpstreamSchema = z
  .object({
    id: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/,
        "must be 1-63 letters, digits, _ or - (it prefixes model names)",
      )
      .refine((id) => id !== "local", "'local' is the built-in GGUF provider; pick another id"),
    baseURL: z.url({
      protocol: /^https?$/,
      error: "must be an http(s) URL including the API version, e.g. http://127.0.0.1:8000/v1",
    }),
    apiKey: z.string().min(1, "must not be empty").optional(),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export type OpenAIUpstreamConfig = z.infer<typeof openaiUpstreamSchema>;

const openaiUpstreams = z
  .string()
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({
        code: "custom",
        message: 'must be a JSON array like [{"id":"vllm","baseURL":"http://127.0.0.1:8000/v1"}]',
      });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(openaiUpstreamSchema, { error: 'must be a JSON array like [{"id":"vllm","baseURL":"..."}]' })
      .refine((upstreams) => new Set(upstreams.map((upstream) => upstream.id)).size === upstreams.length, {
        message: "ids must be unique",
      }),
  );

/** Variables whose values hold secrets: problems with them never echo the value. */
const secretVariables = new Set(["NEXUS_OPENAI_UPSTREAMS", "NEXUS_SECRET_KEY"]);

const environmentSchema = z.object({
  NEXUS_PORT: port.default(3000),
  NEXUS_HOST: z.string().min(1, "must not be empty").default("127.0.0.1"),
  NEXUS_DATA_DIR: z.string().min(1, "must not be empty").default(".nexus"),
  NEXUS_DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:)/, "must start with postgres://, postgresql:// or sqlite:")
    .optional(),
  NEXUS_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
    .optional(),
  NEXUS_MODELS_DIR: z.string().min(1, "must not be empty").optional(),
  NEXUS_LOG_LEVEL: z.enum(logLevels, { error: `must be one of ${logLevels.join(", ")}` }).default("info"),
  NEXUS_BODY_LIMIT: z.coerce.number().int().positive("must be a positive number of bytes").default(1_048_576),
  NEXUS_SHUTDOWN_GRACE_MS: z.coerce
    .number({ error: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(0, "must be 0 or more milliseconds")
    .max(600_000, "must be at most 600000 (10 minutes)")
    .default(10_000),
  NEXUS_OPENAI_UPSTREAMS: openaiUpstreams.optional(),
  NEXUS_DISCOVERY_PORTS: z
    .string()
    .regex(
      /^(off|none|[a-z.]+=\d{1,5}(,\s*[a-z.]+=\d{1,5})*)$/,
      "must be 'off' or <server>=<port> pairs, e.g. ollama=11434,vllm=8001",
    )
    .optional(),
  NEXUS_CHAT_FETCH_ALLOWED_HOSTS: z.string().optional(),
  NEXUS_DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a PostgreSQL schema name: lowercase letters, digits and _")
    .optional(),
  NEXUS_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1-64 letters, digits, _, . or -")
    .optional(),
  NEXUS_SERVE_RUNS: z
    .enum(["true", "false", "1", "0"], { error: "must be true or false" })
    .transform((value) => value === "true" || value === "1")
    .default(true),
  NEXUS_WORKER_CONCURRENCY: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 1000")
    .max(1000, "must be between 1 and 1000")
    .default(32),
  NEXUS_QUEUE_LOCK_MS: z.coerce
    .number({ error: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(1000, "must be between 1000 and 600000 milliseconds")
    .max(600_000, "must be between 1000 and 600000 milliseconds")
    .default(30_000),
  NEXUS_WORKFLOW_HTTP_ALLOWED_HOSTS: z.string().optional(),
  NEXUS_WORKFLOW_MAX_STEPS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 100000")
    .max(100_000, "must be between 1 and 100000")
    .default(500),
  NEXUS_WORKFLOW_MAX_DURATION_MS: z.coerce
    .number({ error: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(1000, "must be between 1000 and 86400000 milliseconds")
    .max(86_400_000, "must be between 1000 and 86400000 milliseconds")
    .default(1_200_000),
  NEXUS_PYTHON: z.string().min(1, "must not be empty").optional(),
  NEXUS_PYTHON_MAX_CONCURRENCY: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 256")
    .max(256, "must be between 1 and 256")
    .optional(),
  NEXUS_BROWSER_CHROMIUM: z.string().min(1, "must not be empty").optional(),
  NEXUS_CHROMIUM_PATH: z.string().min(1, "must not be empty").optional(),
  NEXUS_BROWSER_MODEL: z.string().min(1, "must not be empty").optional(),
  NEXUS_BROWSER_MAX_SESSIONS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 64")
    .max(64, "must be between 1 and 64")
    .default(4),
  NEXUS_BROWSER_IDLE_TIMEOUT_MS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number of milliseconds")
    .min(5_000, "must be between 5000 and 86400000 milliseconds")
    .max(86_400_000, "must be between 5000 and 86400000 milliseconds")
    .default(300_000),
  NEXUS_BROWSER_NAVIGATION_TIMEOUT_MS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number of milliseconds")
    .min(1_000, "must be between 1000 and 300000 milliseconds")
    .max(300_000, "must be between 1000 and 300000 milliseconds")
    .default(15_000),
  NEXUS_SECRET_KEY: z
    .string()
    .regex(
      /^[A-Za-z0-9+/=_-]{43,}$/,
      "must be at least 32 random bytes, base64 (e.g. `openssl rand -base64 32`)",
    )
    .optional(),
});

export type LogLevel = (typeof logLevels)[number];

/** Everything Nexus reads from its environment, validated and with defaults applied. */
export interface Config {
  port: number;
  host: string;
  /** Absolute path of the data directory (SQLite file, models, uploads). */
  dataDir: string;
  /** `schema`: every table in that PostgreSQL schema (NEXUS_DATABASE_SCHEMA), e.g. one per deployment. */
  database: { kind: "sqlite"; file: string } | { kind: "postgres"; url: string; schema?: string };
  /** Unset: in-process queue and events. Set: BullMQ and Redis pub/sub. */
  redisUrl?: string;
  /** Namespace of this deployment's Redis keys and channels; unset: `nexus`. */
  redisPrefix?: string;
  /**
   * Whether this server runs workflow runs itself. False (Redis only): it queues them for
   * `nexus worker` processes and runs none, so API replicas stay light.
   */
  serveRuns: boolean;
  /** Workflow runs one process (server or `nexus worker`) runs at once from the queue. */
  workerConcurrency: number;
  /**
   * BullMQ lock of a running job: a worker that dies (kill -9) has its jobs taken by another
   * within about this long. Shorter finds dead workers sooner, at more Redis traffic.
   */
  queueLockMs: number;
  /** Private hosts workflow http-request nodes may call (`host` or `host:port`); none by default. */
  workflowHttpAllowedHosts: string[];
  /** Most node runs one workflow run may make (Dify's WORKFLOW_MAX_EXECUTION_STEPS); 500 by default. */
  workflowMaxSteps: number;
  /** Longest a workflow run may take, in ms (Dify's WORKFLOW_MAX_EXECUTION_TIME); 20 minutes by default. */
  workflowMaxDurationMs: number;
  /** Python interpreter for code nodes; unset: `python3` on the PATH. */
  pythonPath?: string;
  /** Code-node Python processes at once; unset: max(8, 4 × CPUs). */
  pythonMaxConcurrency?: number;
  modelsDir: string;
  logLevel: LogLevel;
  /** Largest request body accepted, in bytes; larger bodies get a 413. */
  bodyLimit: number;
  /**
   * On stop, how long requests still running (streams above all) may take to finish before their
   * connections are closed; chat replies and workflow runs end cleanly well within it.
   */
  shutdownGraceMs: number;
  /** OpenAI-compatible servers (vLLM, Ollama, Jan, OpenAI) whose models the gateway offers. */
  openaiUpstreams: OpenAIUpstreamConfig[];
  /**
   * Seals stored secrets (providers' API keys). Unset: a key generated once in the data directory
   * (`secret.key`); replicas sharing a database must share this value.
   */
  secretKey?: string;
  /**
   * Where to look for local model servers at start: unset = the usual ports (Ollama 11434, Jan 1337,
   * LM Studio 1234, vLLM 8000, llama.cpp 8080), `off`, or `<server>=<port>` pairs.
   */
  discoveryPorts?: string;
  /**
   * Hosts the chat's `fetch_page` tool may read for every agent (besides an agent's own list):
   * `host`, `host:port`, `*.domain` or `*` (any public host); a private address only when named.
   */
  chatFetchAllowedHosts: string[];
  /** The Chromium browser sessions launch (NEXUS_BROWSER_CHROMIUM, else NEXUS_CHROMIUM_PATH). */
  browserChromiumPath: string;
  /** The model browser sessions use when they name none; unset: the workspace's first model. */
  browserModel?: string;
  /** Browsers open at once in this process; one more is refused (429). */
  browserMaxSessions: number;
  /** A browser session unused this long is closed. */
  browserIdleTimeoutMs: number;
  /** How long one page load may take before it is stopped (`timeout`). */
  browserNavigationTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Reads configuration from environment variables (overridden by `overrides`, as the CLI flags do).
 * Empty variables count as unset. Throws ConfigError listing every problem at once.
 */
export function loadConfig(
  environment: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Record<keyof z.input<typeof environmentSchema>, string | number>> = {},
  cwd = process.cwd(),
): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(environmentSchema.shape)) {
    const value = overrides[key as keyof typeof overrides] ?? environment[key];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  const parsed = environmentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0]);
        const got = secretVariables.has(variable) ? "" : ` (got ${JSON.stringify(raw[variable])})`;
        return `${issue.path.join(".")} ${issue.message}${got}`;
      }),
    );
  }
  const env = parsed.data;
  const crossProblems: string[] = [];
  if (!env.NEXUS_SERVE_RUNS && !env.NEXUS_REDIS_URL)
    crossProblems.push("NEXUS_SERVE_RUNS=false needs NEXUS_REDIS_URL (runs reach workers through Redis)");
  if (env.NEXUS_DATABASE_SCHEMA && !env.NEXUS_DATABASE_URL?.startsWith("postgres"))
    crossProblems.push("NEXUS_DATABASE_SCHEMA needs a postgres:// NEXUS_DATABASE_URL");
  if (crossProblems.length > 0) throw new ConfigError(crossProblems);
  const dataDir = path.resolve(cwd, env.NEXUS_DATA_DIR);
  const databaseUrl = env.NEXUS_DATABASE_URL;
  const database: Config["database"] =
    databaseUrl === undefined
      ? { kind: "sqlite", file: path.join(dataDir, "nexus.db") }
      : databaseUrl.startsWith("sqlite:")
        ? { kind: "sqlite", file: path.resolve(dataDir, databaseUrl.slice("sqlite:".length)) }
        : {
            kind: "postgres",
            url: databaseUrl,
            ...(env.NEXUS_DATABASE_SCHEMA ? { schema: env.NEXUS_DATABASE_SCHEMA } : {}),
          };
  return {
    port: env.NEXUS_PORT,
    host: env.NEXUS_HOST,
    dataDir,
    database,
    redisUrl: env.NEXUS_REDIS_URL,
    modelsDir: path.resolve(dataDir, env.NEXUS_MODELS_DIR ?? "models"),
    logLevel: env.NEXUS_LOG_LEVEL,
    bodyLimit: env.NEXUS_BODY_LIMIT,
    shutdownGraceMs: env.NEXUS_SHUTDOWN_GRACE_MS,
    openaiUpstreams: env.NEXUS_OPENAI_UPSTREAMS ?? [],
    secretKey: env.NEXUS_SECRET_KEY,
    discoveryPorts: env.NEXUS_DISCOVERY_PORTS,
    chatFetchAllowedHosts: listOf(env.NEXUS_CHAT_FETCH_ALLOWED_HOSTS),
    redisPrefix: env.NEXUS_REDIS_PREFIX,
    serveRuns: env.NEXUS_SERVE_RUNS,
    workerConcurrency: env.NEXUS_WORKER_CONCURRENCY,
    queueLockMs: env.NEXUS_QUEUE_LOCK_MS,
    workflowHttpAllowedHosts: listOf(env.NEXUS_WORKFLOW_HTTP_ALLOWED_HOSTS),
    workflowMaxSteps: env.NEXUS_WORKFLOW_MAX_STEPS,
    workflowMaxDurationMs: env.NEXUS_WORKFLOW_MAX_DURATION_MS,
    pythonPath: env.NEXUS_PYTHON,
    pythonMaxConcurrency: env.NEXUS_PYTHON_MAX_CONCURRENCY,
    browserChromiumPath: env.NEXUS_BROWSER_CHROMIUM ?? env.NEXUS_CHROMIUM_PATH ?? "/usr/bin/chromium",
    ...(env.NEXUS_BROWSER_MODEL ? { browserModel: env.NEXUS_BROWSER_MODEL } : {}),
    browserMaxSessions: env.NEXUS_BROWSER_MAX_SESSIONS,
    browserIdleTimeoutMs: env.NEXUS_BROWSER_IDLE_TIMEOUT_MS,
    browserNavigationTimeoutMs: env.NEXUS_BROWSER_NAVIGATION_TIMEOUT_MS,
  };
}

/** A comma-separated list, trimmed, without empty entries. */
function listOf(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** A URL with any password replaced, safe to print or log. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  }
}
