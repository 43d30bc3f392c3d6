import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactUrl } from "./config.ts";

describe("loadConfig", () => {
  it("applies the embedded defaults with no environment at all", () => {
    const config = loadConfig({}, {}, "/srv/app");
    expect(config).toMatchObject({
      port: 3000,
      host: "127.0.0.1",
      dataDir: "/srv/app/.nexus",
      database: { kind: "sqlite", file: "/srv/app/.nexus/nexus.db" },
      modelsDir: "/srv/app/.nexus/models",
      logLevel: "info",
      shutdownGraceMs: 10_000,
    });
    expect(config.redisUrl).toBeUndefined();
  });

  it("reads every variable, and flags override the environment", () => {
    const config = loadConfig(
      {
        NEXUS_PORT: "8080",
        NEXUS_HOST: "0.0.0.0",
        NEXUS_DATA_DIR: "/var/nexus",
        NEXUS_DATABASE_URL: "postgres://nexus:pw@db:5432/nexus",
        NEXUS_REDIS_URL: "redis://cache:6379",
        NEXUS_MODELS_DIR: "/models",
        NEXUS_LOG_LEVEL: "debug",
      },
      { NEXUS_PORT: "9090" },
    );
    expect(config).toMatchObject({
      port: 9090,
      host: "0.0.0.0",
      dataDir: "/var/nexus",
      database: { kind: "postgres", url: "postgres://nexus:pw@db:5432/nexus" },
      redisUrl: "redis://cache:6379",
      modelsDir: "/models",
      logLevel: "debug",
    });
  });

  it("treats empty variables as unset and takes sqlite: URLs relative to the data dir", () => {
    const config = loadConfig({ NEXUS_PORT: "", NEXUS_DATABASE_URL: "sqlite:other.db" }, {}, "/x");
    expect(config.port).toBe(3000);
    expect(config.database).toEqual({ kind: "sqlite", file: path.join("/x/.nexus", "other.db") });
  });

  it("lists every problem at once with the variable and the bad value", () => {
    let error: unknown;
    try {
      loadConfig({
        NEXUS_PORT: "eighty",
        NEXUS_LOG_LEVEL: "loud",
        NEXUS_DATABASE_URL: "mysql://x",
        NEXUS_REDIS_URL: "http://x",
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/NEXUS_PORT must be a number \(got "eighty"\)/);
    expect(message).toMatch(/NEXUS_LOG_LEVEL must be one of/);
    expect(message).toMatch(/NEXUS_DATABASE_URL must start with postgres:\/\//);
    expect(message).toMatch(/NEXUS_REDIS_URL must start with redis:\/\//);
    expect(() => loadConfig({ NEXUS_PORT: "70000" })).toThrow(/between 0 and 65535/);
    expect(() => loadConfig({ NEXUS_SHUTDOWN_GRACE_MS: "soon" })).toThrow(
      /NEXUS_SHUTDOWN_GRACE_MS must be a number/,
    );
    expect(() => loadConfig({ NEXUS_SHUTDOWN_GRACE_MS: "-1" })).toThrow(/0 or more/);
    expect(loadConfig({ NEXUS_SHUTDOWN_GRACE_MS: "2500" }).shutdownGraceMs).toBe(2500);
  });

  it("reads OpenAI-compatible upstreams as a JSON array, never echoing their keys in errors", () => {
    expect(loadConfig({}).openaiUpstreams).toEqual([]);
    const upstreams = [{ id: "vllm", baseURL: "http://127.0.0.1:8000/v1", apiKey: "sk-secret" }];
    expect(loadConfig({ NEXUS_OPENAI_UPSTREAMS: JSON.stringify(upstreams) }).openaiUpstreams).toEqual(
      upstreams,
    );
    const problems = (value: string) => {
      try {
        loadConfig({ NEXUS_OPENAI_UPSTREAMS: value });
      } catch (error) {
        return (error as ConfigError).message;
      }
      return "";
    };
    expect(problems("[{id:")).toMatch(/NEXUS_OPENAI_UPSTREAMS must be a JSON array/);
    const badUrl = problems(JSON.stringify([{ id: "a", baseURL: "ftp://x", apiKey: "sk-secret" }]));
    expect(badUrl).toMatch(/NEXUS_OPENAI_UPSTREAMS\.0\.baseURL must be an http\(s\) URL/);
    expect(badUrl).not.toContain("sk-secret");
    const twice = [upstreams[0], upstreams[0]];
    expect(problems(JSON.stringify(twice))).toMatch(/ids must be unique/);
    expect(problems(JSON.stringify([{ id: "a/b", baseURL: "http://x/v1" }]))).toMatch(/\.0\.id must be/);
    expect(problems(JSON.stringify([{ id: "local", baseURL: "http://x/v1" }]))).toMatch(/built-in/);
  });

  it("reads the worker, queue and workflow settings, checking each and how they combine", () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({
      serveRuns: true,
      workerConcurrency: 32,
      queueLockMs: 30_000,
      workflowHttpAllowedHosts: [],
      workflowMaxSteps: 500,
      workflowMaxDurationMs: 1_200_000,
    });
    expect(defaults.redisPrefix).toBeUndefined();
    expect(defaults.pythonPath).toBeUndefined();
    const config = loadConfig({
      NEXUS_DATABASE_URL: "postgres://db/nexus",
      NEXUS_DATABASE_SCHEMA: "tenant_a",
      NEXUS_REDIS_URL: "redis://cache:6379",
      NEXUS_REDIS_PREFIX: "nexus-a",
      NEXUS_SERVE_RUNS: "false",
      NEXUS_WORKER_CONCURRENCY: "8",
      NEXUS_QUEUE_LOCK_MS: "2000",
      NEXUS_WORKFLOW_HTTP_ALLOWED_HOSTS: " 127.0.0.1 , stub:8080,",
      NEXUS_WORKFLOW_MAX_STEPS: "50",
      NEXUS_WORKFLOW_MAX_DURATION_MS: "60000",
      NEXUS_PYTHON: "/usr/bin/python3",
      NEXUS_PYTHON_MAX_CONCURRENCY: "4",
    });
    expect(config).toMatchObject({
      database: { kind: "postgres", url: "postgres://db/nexus", schema: "tenant_a" },
      redisPrefix: "nexus-a",
      serveRuns: false,
      workerConcurrency: 8,
      queueLockMs: 2000,
      workflowHttpAllowedHosts: ["127.0.0.1", "stub:8080"],
      workflowMaxSteps: 50,
      workflowMaxDurationMs: 60_000,
      pythonPath: "/usr/bin/python3",
      pythonMaxConcurrency: 4,
    });
    expect(() => loadConfig({ NEXUS_SERVE_RUNS: "false" })).toThrow(/needs NEXUS_REDIS_URL/);
    expect(() => loadConfig({ NEXUS_SERVE_RUNS: "no" })).toThrow(/NEXUS_SERVE_RUNS must be true or false/);
    expect(() => loadConfig({ NEXUS_DATABASE_SCHEMA: "tenant_a" })).toThrow(/needs a postgres/);
    expect(() => loadConfig({ NEXUS_DATABASE_SCHEMA: "Bad-Name" })).toThrow(/PostgreSQL schema name/);
    expect(() => loadConfig({ NEXUS_REDIS_PREFIX: "a:b" })).toThrow(/NEXUS_REDIS_PREFIX must be/);
    expect(() => loadConfig({ NEXUS_WORKER_CONCURRENCY: "0" })).toThrow(/between 1 and 1000/);
    expect(() => loadConfig({ NEXUS_QUEUE_LOCK_MS: "10" })).toThrow(/between 1000 and 600000/);
    expect(() => loadConfig({ NEXUS_WORKFLOW_MAX_STEPS: "0" })).toThrow(
      /NEXUS_WORKFLOW_MAX_STEPS must be between 1 and 100000/,
    );
    expect(() => loadConfig({ NEXUS_WORKFLOW_MAX_DURATION_MS: "soon" })).toThrow(
      /NEXUS_WORKFLOW_MAX_DURATION_MS must be a number of milliseconds/,
    );
    expect(() => loadConfig({ NEXUS_PYTHON_MAX_CONCURRENCY: "many" })).toThrow(
      /NEXUS_PYTHON_MAX_CONCURRENCY must be a number/,
    );
  });

  it("reads the browser settings: Chromium (either variable), model, pool size and timeouts, each checked", () => {
    expect(loadConfig({})).toMatchObject({
      browserChromiumPath: "/usr/bin/chromium",
      browserMaxSessions: 4,
      browserIdleTimeoutMs: 300_000,
      browserNavigationTimeoutMs: 15_000,
    });
    expect(loadConfig({}).browserModel).toBeUndefined();
    expect(loadConfig({ NEXUS_CHROMIUM_PATH: "/opt/chrome" }).browserChromiumPath).toBe("/opt/chrome");
    const config = loadConfig({
      NEXUS_CHROMIUM_PATH: "/opt/chrome",
      NEXUS_BROWSER_CHROMIUM: "/opt/chromium",
      NEXUS_BROWSER_MODEL: "local/qwen",
      NEXUS_BROWSER_MAX_SESSIONS: "8",
      NEXUS_BROWSER_IDLE_TIMEOUT_MS: "60000",
      NEXUS_BROWSER_NAVIGATION_TIMEOUT_MS: "30000",
    });
    expect(config).toMatchObject({
      browserChromiumPath: "/opt/chromium",
      browserModel: "local/qwen",
      browserMaxSessions: 8,
      browserIdleTimeoutMs: 60_000,
      browserNavigationTimeoutMs: 30_000,
    });
    expect(() => loadConfig({ NEXUS_BROWSER_MAX_SESSIONS: "0" })).toThrow(
      /NEXUS_BROWSER_MAX_SESSIONS must be between 1 and 64/,
    );
    expect(() => loadConfig({ NEXUS_BROWSER_IDLE_TIMEOUT_MS: "soon" })).toThrow(
      /NEXUS_BROWSER_IDLE_TIMEOUT_MS must be a number/,
    );
    expect(() => loadConfig({ NEXUS_BROWSER_NAVIGATION_TIMEOUT_MS: "10" })).toThrow(
      /between 1000 and 300000/,
    );
  });

  it("redacts passwords in URLs", () => {
    expect(redactUrl("postgres://nexus:s3cret@db:5432/nexus")).toBe("postgres://nexus:***@db:5432/nexus");
    expect(redactUrl("redis://:s3cret@cache:6379")).not.toContain("s3cret");
    expect(redactUrl("not a url://u:p@h")).not.toContain(":p@");
  });
});
