/**
 * Server overhead: Nexus's authenticated no-op route (GET /api/me) beside a bare Fastify
 * hello-world, both as separate processes on this machine, measured with autocannon at
 * concurrency 1, 16 and 64. Target: Nexus ≥ 50% of bare Fastify throughput.
 *
 *   npx tsx bench/server-overhead.ts [--duration 5]
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";

const root = path.resolve(import.meta.dirname, "..");
const durationArg = process.argv.indexOf("--duration");
const duration = durationArg > 0 ? Number(process.argv[durationArg + 1]) : 5;
const concurrencies = [1, 16, 64];

function startProcess(
  command: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) {
        child.stdout?.off("data", onData);
        child.stderr?.off("data", onData);
        // Keep draining so a full pipe never blocks the server.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ child, match });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${command.join(" ")} exited ${code}: ${output}`)));
  });
}

async function measure(url: string, connections: number, headers: Record<string, string> = {}) {
  const result = await autocannon({ url, connections, duration, headers, pipelining: 1 });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { requestsPerSecond: result.requests.average, p99Ms: result.latency.p99 };
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "nexus-bench-"));
const cli = path.join(root, "apps/cli/bin/nexus.js");
const key = execFileSync(
  process.execPath,
  [cli, "keys", "create", "--workspace", "nexus-os", "--role", "member"],
  {
    env: { ...process.env, NEXUS_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "ignore"],
  },
)
  .toString()
  .trim();

const bare = await startProcess([path.join(root, "bench/bare-fastify.mjs")], {}, /listening (\d+)/);
const nexus = await startProcess(
  [cli, "start", "--port", "0"],
  { NEXUS_DATA_DIR: dataDir, NEXUS_LOG_LEVEL: "info" },
  /running at (http:\/\/\S+)/,
);
const bareUrl = `http://127.0.0.1:${bare.match[1]}/`;
const nexusUrl = `${nexus.match[1]}/api/me`;

const rows: string[] = [];
try {
  await measure(bareUrl, 16);
  await measure(nexusUrl, 16, { authorization: `Bearer ${key}` });
  for (const connections of concurrencies) {
    const baseline = await measure(bareUrl, connections);
    const ours = await measure(nexusUrl, connections, { authorization: `Bearer ${key}` });
    const ratio = ours.requestsPerSecond / baseline.requestsPerSecond;
    rows.push(
      `| ${connections} | ${Math.round(baseline.requestsPerSecond)} | ${baseline.p99Ms} | ${Math.round(ours.requestsPerSecond)} | ${ours.p99Ms} | ${(ratio * 100).toFixed(0)}% |`,
    );
  }
} finally {
  bare.child.kill("SIGTERM");
  nexus.child.kill("SIGTERM");
  fs.rmSync(dataDir, { recursive: true, force: true });
}

console.log(
  `server overhead, ${duration} s per point, ${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}`,
);
console.log(
  "| connections | bare Fastify req/s | bare p99 ms | Nexus GET /api/me req/s | Nexus p99 ms | Nexus / bare |",
);
console.log("| --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
