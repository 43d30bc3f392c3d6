/**
 * Start-up time: from spawning `nexus start` to the first 200 from /healthz, on a warm machine
 * (compile cache and data directory already there), median of several starts. Baseline in the same
 * run: a bare Fastify hello-world process from spawn to first answer. Target: Nexus under 3 s.
 *
 *   npx tsx bench/startup-time.ts [--runs 5]
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function timeToHealthy(
  args: string[],
  url: (port: number) => string,
  env: Record<string, string>,
): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(
    process.execPath,
    args.map((arg) => arg.replace("{port}", String(port))),
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: "ignore",
    },
  );
  try {
    for (;;) {
      try {
        if ((await fetch(url(port))).status === 200) return performance.now() - started;
      } catch {}
      if (performance.now() - started > 30_000) throw new Error(`${args.join(" ")} did not become healthy`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "nexus-start-"));
const env = { NEXUS_DATA_DIR: dataDir, NEXUS_LOG_LEVEL: "warn" };
const nexusArgs = [path.join(root, "apps/cli/bin/nexus.js"), "start", "--port", "{port}"];
const bareArgs = [path.join(root, "bench/bare-fastify.mjs"), "{port}"];
// Warm-up: compile cache, first migration, OS file cache.
await timeToHealthy(nexusArgs, (port) => `http://127.0.0.1:${port}/healthz`, env);
const nexusTimes: number[] = [];
const bareTimes: number[] = [];
for (let run = 0; run < runs; run++) {
  bareTimes.push(await timeToHealthy(bareArgs, (port) => `http://127.0.0.1:${port}/`, {}));
  nexusTimes.push(await timeToHealthy(nexusArgs, (port) => `http://127.0.0.1:${port}/healthz`, env));
}
fs.rmSync(dataDir, { recursive: true, force: true });

const nexusMedian = median(nexusTimes);
const bareMedian = median(bareTimes);
console.log(
  `start-up to first healthy answer, median of ${runs}, ${os.cpus().length} cores, Node ${process.version}`,
);
console.log(
  `bare Fastify: ${bareMedian.toFixed(0)} ms (runs: ${bareTimes.map((t) => t.toFixed(0)).join(", ")})`,
);
console.log(
  `nexus start:  ${nexusMedian.toFixed(0)} ms (runs: ${nexusTimes.map((t) => t.toFixed(0)).join(", ")})`,
);
console.log(
  `ratio nexus / bare: ${(nexusMedian / bareMedian).toFixed(1)}x; target < 3000 ms: ${nexusMedian < 3000 ? "met" : "MISSED"}`,
);
