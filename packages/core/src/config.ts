import path from "node:path";
import { z } from "zod";

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const port = z.coerce
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(0, "must be between 0 and 65535")
  .max(65535, "must be between 0 and 65535");

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
      parsed.error.issues.map(
        (issue) =>
          `${issue.path.join(".")} ${issue.message} (got ${JSON.stringify(raw[String(issue.path[0])])})`,
      ),
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
