import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { type Config, createEventBus, describeStore, openStore, redactUrl } from "@nexus/core";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { configFrom } from "../global-options.ts";

const run = promisify(execFile);

export interface CheckResult {
  name: string;
  /** ok: fine; warn: works without it; fail: Nexus cannot run until fixed. */
  status: "ok" | "warn" | "fail";
  detail: string;
  fix?: string;
}

export const defaultChromiumPath = "/usr/bin/chromium";

/** Checks what Nexus needs on this machine and says how to fix what is missing. */
export async function runDoctor(config: Config): Promise<CheckResult[]> {
  return [
    checkNode(),
    checkDataDir(config.dataDir),
    await checkDatabase(config),
    await checkRedis(config.redisUrl),
    checkModels(config.modelsDir),
    await checkChromium(process.env.NEXUS_CHROMIUM_PATH ?? defaultChromiumPath),
  ];
}

function checkNode(): CheckResult {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  const ok = major > 20 || (major === 20 && minor >= 19);
  return ok
    ? { name: "Node.js", status: "ok", detail: `v${process.versions.node}` }
    : {
        name: "Node.js",
        status: "fail",
        detail: `v${process.versions.node} is too old`,
        fix: "Install Node.js 20.19 or newer",
      };
}

function checkDataDir(dataDir: string): CheckResult {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.accessSync(dataDir, fs.constants.W_OK);
    return { name: "Data directory", status: "ok", detail: dataDir };
  } catch (error) {
    return {
      name: "Data directory",
      status: "fail",
      detail: `${dataDir}: ${(error as Error).message}`,
      fix: "Set NEXUS_DATA_DIR (or --data-dir) to a writable directory",
    };
  }
}

async function checkDatabase(config: Config): Promise<CheckResult> {
  const where = describeStore(config.database);
  try {
    const store = await openStore(
      config.database.kind === "postgres" ? { ...config.database, poolSize: 1 } : config.database,
    );
    await store.ping();
    await store.close();
    return {
      name: "Database",
      status: "ok",
      detail: `${config.database.kind} at ${where}, schema up to date`,
    };
  } catch (error) {
    return {
      name: "Database",
      status: "fail",
      detail: `${config.database.kind} at ${where}: ${(error as Error).message}`,
      fix:
        config.database.kind === "sqlite"
          ? "Check the data directory is writable and not on a network file system"
          : "Check NEXUS_DATABASE_URL and that PostgreSQL is running and accepts the connection",
    };
  }
}

async function checkRedis(redisUrl: string | undefined): Promise<CheckResult> {
  if (!redisUrl)
    return { name: "Redis", status: "ok", detail: "not configured: in-process queue and events" };
  const events = await createEventBus({ redisUrl });
  try {
    await events.ping();
    return { name: "Redis", status: "ok", detail: redactUrl(redisUrl) };
  } catch (error) {
    return {
      name: "Redis",
      status: "fail",
      detail: `${redactUrl(redisUrl)}: ${(error as Error).message}`,
      fix: "Start Redis or unset NEXUS_REDIS_URL to use the in-process queue",
    };
  } finally {
    await events.close().catch(() => {});
  }
}

function checkModels(modelsDir: string): CheckResult {
  const models = fs.existsSync(modelsDir)
    ? fs.readdirSync(modelsDir).filter((file) => file.toLowerCase().endsWith(".gguf"))
    : [];
  if (models.length > 0) {
    return {
      name: "Local models",
      status: "ok",
      detail: `${models.length} GGUF in ${modelsDir}: ${models.slice(0, 5).join(", ")}`,
    };
  }
  return {
    name: "Local models",
    status: "warn",
    detail: `no GGUF model in ${modelsDir}`,
    fix: `Copy a .gguf file into ${path.resolve(modelsDir)} (or set NEXUS_MODELS_DIR), or point Nexus at a model server`,
  };
}

async function checkChromium(executable: string): Promise<CheckResult> {
  try {
    const { stdout } = await run(executable, ["--version"], { timeout: 10_000 });
    return { name: "Chromium", status: "ok", detail: stdout.trim() };
  } catch {
    return {
      name: "Chromium",
      status: "warn",
      detail: `not found at ${executable} (needed for browser automation only)`,
      fix: "apt-get install -y chromium, or set NEXUS_CHROMIUM_PATH",
    };
  }
}

const marks = { ok: "✓", warn: "!", fail: "✗" } as const;

export function registerDoctorCommand(program: Command): void {
  program
    .command("doctor")
    .description("Check this machine for what Nexus needs and say how to fix what is missing")
    .option("--data-dir <dir>", "data directory (NEXUS_DATA_DIR, default .nexus)")
    .option("--json", "print JSON")
    .action(async (options: { dataDir?: string; json?: boolean }) => {
      const results = await runDoctor(configFrom(options));
      if (options.json) console.log(JSON.stringify(results, null, 2));
      else {
        for (const result of results) {
          console.log(`${marks[result.status]} ${result.name}: ${result.detail}`);
          if (result.fix && result.status !== "ok") console.log(`    fix: ${result.fix}`);
        }
      }
      const failed = results.filter((result) => result.status === "fail").length;
      if (failed > 0) throw new CliError(`${failed} check(s) failed`);
    });
}
