import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * Process plumbing shared by the benchmarks that start servers: the load generator pinned to core 0
 * and servers to core 1 (when taskset exists), children killed on exit, free ports, and Nexus
 * started from the CLI with its own data directory and key.
 */
export const root = path.resolve(import.meta.dirname, "..");
export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
export const stubScript = "/work/shared/peers/stub.mjs";

export const canPin = os.cpus().length >= 2 && spawnSync("taskset", ["-V"]).status === 0;
if (canPin && !process.env.BENCH_PINNED) {
  // Re-run this script with the load generator on core 0; the servers go to core 1 below.
  const result = spawnSync(
    "taskset",
    ["-c", "0", process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: "inherit", env: { ...process.env, BENCH_PINNED: "1" } },
  );
  process.exit(result.status ?? 1);
}
export const pin = (command: string[]) =>
  canPin ? ["taskset", "-c", "1", process.execPath, ...command] : [process.execPath, ...command];

export const children: ChildProcess[] = [];
export const tempDirs: string[] = [];
export function cleanup() {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  // A peer that has just been told to stop may still write into its folder: retry, and never let
  // a folder that will not go away fail a finished run.
  for (const dir of tempDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch (error) {
      console.error(`could not remove ${dir}: ${(error as Error).message}`);
    }
  }
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Starts a server pinned to the server core and waits for `ready` on the stream that announces it
 * (or, with `announcesOn` undefined, for `pollUrl` to answer). Everything else goes to /dev/null:
 * draining a server's access log through a pipe would tax the load generator.
 */
export function startProcess(
  name: string,
  command: string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    ready?: RegExp;
    announcesOn?: "stdout" | "stderr";
    pollUrl?: string;
  },
): Promise<{ child: ChildProcess; match: RegExpExecArray | null }> {
  return new Promise((resolve, reject) => {
    const [executable = process.execPath, ...args] = pin(command);
    const { announcesOn } = options;
    const stdio: Array<"ignore" | "pipe"> =
      announcesOn === "stdout"
        ? ["ignore", "pipe", "ignore"]
        : announcesOn === "stderr"
          ? ["ignore", "ignore", "pipe"]
          : ["ignore", "ignore", "ignore"];
    const child = spawn(executable, args, {
      cwd: options.cwd ?? root,
      env: { ...process.env, ...options.env },
      stdio,
    });
    children.push(child);
    let output = "";
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`${name} did not start in 60 s: ${output}`)), 60_000);
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    };
    const done = (match: RegExpExecArray | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ child, match });
    };
    child.once("exit", (code) => fail(new Error(`${name} exited ${code}: ${output}`)));
    const stream = announcesOn === "stdout" ? child.stdout : child.stderr;
    if (announcesOn && stream && options.ready) {
      const ready = options.ready;
      const onData = (chunk: Buffer) => {
        output += chunk;
        const match = ready.exec(output);
        if (match) {
          stream.off("data", onData);
          stream.resume();
          done(match);
        }
      };
      stream.on("data", onData);
    } else if (options.pollUrl) {
      const url = options.pollUrl;
      const poll = async () => {
        while (!settled) {
          try {
            await fetch(url);
            done(null);
            return;
          } catch {
            await new Promise((wait) => setTimeout(wait, 100));
          }
        }
      };
      void poll();
    }
  });
}

/** Resident memory of a process in bytes, from /proc (Linux). */
export function residentBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  return Number(kb) * 1024;
}

/** `nexus start` on a fresh data directory with an owner key of `nexus-os`. */
export async function startNexusServer(env: Record<string, string> = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "nexus-bench-"));
  tempDirs.push(dataDir);
  const cli = path.join(root, "apps/cli/bin/nexus.js");
  const nexusEnv = {
    NEXUS_DATA_DIR: dataDir,
    NEXUS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
    ...env,
  };
  const key = execFileSync(
    process.execPath,
    [cli, "keys", "create", "--workspace", "nexus-os", "--role", "owner"],
    {
      env: { ...process.env, ...nexusEnv },
      stdio: ["ignore", "pipe", "ignore"],
    },
  )
    .toString()
    .trim();
  const { child, match } = await startProcess("nexus", [cli, "start", "--port", "0"], {
    env: nexusEnv,
    ready: /running at (http:\/\/\S+)/,
    announcesOn: "stderr",
  });
  return { child, url: match?.[1] ?? "", key };
}

/**
 * The fast OpenAI-compatible stub upstream (/work/shared/peers/stub.mjs: 20 one-token chunks, no
 * delay) on a free port, pinned like the other servers.
 */
export async function startStub() {
  const port = await freePort();
  const { child } = await startProcess("stub", [stubScript, String(port)], {
    ready: /listening/,
    announcesOn: "stdout",
  });
  return { child, origin: `http://127.0.0.1:${port}`, baseURL: `http://127.0.0.1:${port}/v1` };
}

/** Date, machine and load, for the head of a benchmark's output. */
export function machineLine(): string {
  const cpus = os.cpus();
  const load = os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");
  return `${new Date().toISOString()}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown CPU"}), Node ${process.version}, load average ${load}`;
}

/** The value at quantile `q` (0–1) of an ascending list. */
export const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
