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
const secretVariables = new Set(["NEXUS_OPENAI_UPSTREAMS"]);

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
  NEXUS_OPENAI_UPSTREAMS: openaiUpstreams.optional(),
});

export type LogLevel = (typeof logLevels)[number];

/** Everything Nexus reads from its environment, validated and with defaults applied. */
export interface Config {
  port: number;
  host: string;
  /** Absolute path of the data directory (SQLite file, models, uploads). */
  dataDir: string;
  database: { kind: "sqlite"; file: string } | { kind: "postgres"; url: string };
  /** Unset: in-process queue and events. Set: BullMQ and Redis pub/sub. */
  redisUrl?: string;
  modelsDir: string;
  logLevel: LogLevel;
  /** Largest request body accepted, in bytes; larger bodies get a 413. */
  bodyLimit: number;
  /** OpenAI-compatible servers (vLLM, Ollama, Jan, OpenAI) whose models the gateway offers. */
  openaiUpstreams: OpenAIUpstreamConfig[];
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
  const dataDir = path.resolve(cwd, env.NEXUS_DATA_DIR);
  const databaseUrl = env.NEXUS_DATABASE_URL;
  const database: Config["database"] =
    databaseUrl === undefined
      ? { kind: "sqlite", file: path.join(dataDir, "nexus.db") }
      : databaseUrl.startsWith("sqlite:")
        ? { kind: "sqlite", file: path.resolve(dataDir, databaseUrl.slice("sqlite:".length)) }
        : { kind: "postgres", url: databaseUrl };
  return {
    port: env.NEXUS_PORT,
    host: env.NEXUS_HOST,
    dataDir,
    database,
    redisUrl: env.NEXUS_REDIS_URL,
    modelsDir: path.resolve(dataDir, env.NEXUS_MODELS_DIR ?? "models"),
    logLevel: env.NEXUS_LOG_LEVEL,
    bodyLimit: env.NEXUS_BODY_LIMIT,
    openaiUpstreams: env.NEXUS_OPENAI_UPSTREAMS ?? [],
  };
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
