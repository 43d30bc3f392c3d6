/**
 * Server overhead: Nexus's authenticated no-op route (GET /api/me) beside a bare Fastify
 * hello-world, both as separate processes on this machine, measured with autocannon at
 * concurrency 1, 16 and 64. Target: Nexus ≥ 50% of bare Fastify throughput.
 *
 * On a machine with two or more cores the servers are pinned to one core and the load generator
 * to another (taskset), so the two never compete and the ratio measures the servers alone.
 *
 * Each point alternates bare and Nexus for several short rounds and reports medians, so drift in
 * this shared machine's speed hits both sides alike. Beside throughput it reports each server's
 * on-CPU time per request (Linux schedstat, all threads): other processes on a shared machine move
 * req/s from run to run far more than they move the CPU a request costs.
 *
 *   npx tsx bench/server-overhead.ts [--duration 3] [--rounds 3]
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";

const root = path.resolve(import.meta.dirname, "..");
const durationArg = process.argv.indexOf("--duration");
const duration = durationArg > 0 ? Number(process.argv[durationArg + 1]) : 3;
const roundsArg = process.argv.indexOf("--rounds");
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const concurrencies = [1, 16, 64];

const canPin = os.cpus().length >= 2 && spawnSync("taskset", ["-V"]).status === 0;
if (canPin && !process.env.BENCH_PINNED) {
  // Re-run this script with the load generator on core 0; servers go to core 1 below.
  const result = spawnSync(
    "taskset",
    ["-c", "0", process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: "inherit",
      env: { ...process.env, BENCH_PINNED: "1" },
    },
  );
  process.exit(result.status ?? 1);
}
const pin = (command: string[]) =>
  canPin ? ["taskset", "-c", "1", process.execPath, ...command] : [process.execPath, ...command];

/**
 * Starts a server and waits for `ready` on the stream that announces it. The other stream goes to
 * /dev/null: draining a server's access log through a pipe would tax the load generator.
 */
function startProcess(
  command: string[],
  env: Record<string, string>,
  ready: RegExp,
  announcesOn: "stdout" | "stderr",
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const [executable = process.execPath, ...args] = pin(command);
    const stdio: Array<"ignore" | "pipe"> =
      announcesOn === "stdout" ? ["ignore", "pipe", "ignore"] : ["ignore", "ignore", "pipe"];
    const child = spawn(executable, args, { cwd: root, env: { ...process.env, ...env }, stdio });
    const stream = announcesOn === "stdout" ? child.stdout : child.stderr;
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) {
        stream?.off("data", onData);
        stream?.resume();
        resolve({ child, match });
      }
    };
    stream?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${command.join(" ")} exited ${code}: ${output}`)));
  });
}

/** Seconds a process has spent on a CPU, all its threads together; NaN where /proc lacks it. */
function cpuSeconds(pid: number | undefined): number {
  let nanoseconds = 0;
  try {
    for (const thread of fs.readdirSync(`/proc/${pid}/task`)) {
      const schedstat = fs.readFileSync(`/proc/${pid}/task/${thread}/schedstat`, "utf8");
      nanoseconds += Number.parseInt(schedstat, 10);
    }
  } catch {
    return Number.NaN;
  }
  return nanoseconds / 1e9;
}

async function measure(
  target: { url: string; headers: Record<string, string>; pid?: number },
  connections: number,
) {
  const { url, headers } = target;
  const cpuBefore = cpuSeconds(target.pid);
  const result = await autocannon({ url, connections, duration, headers, pipelining: 1 });
  const cpuMicroseconds = (cpuSeconds(target.pid) - cpuBefore) * 1e6;
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    cpuMicrosecondsPerRequest: cpuMicroseconds / result.requests.total,
  };
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

const bare = await startProcess([path.join(root, "bench/bare-fastify.mjs")], {}, /listening (\d+)/, "stderr");
// Like-for-like reference: the same bare app writing one access-log line per request through Nexus's logger.
const bareLogged = await startProcess(
  ["--import", "tsx", path.join(root, "bench/bare-fastify.mjs"), "--access-log"],
  {},
  /listening (\d+)/,
  "stderr",
);
const nexus = await startProcess(
  [cli, "start", "--port", "0"],
  { NEXUS_DATA_DIR: dataDir, NEXUS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info" },
  /running at (http:\/\/\S+)/,
  "stderr",
);
const targets = {
  bare: { url: `http://127.0.0.1:${bare.match[1]}/`, headers: {}, pid: bare.child.pid },
  bareLogged: { url: `http://127.0.0.1:${bareLogged.match[1]}/`, headers: {}, pid: bareLogged.child.pid },
  nexus: {
    url: `${nexus.match[1]}/api/me`,
    headers: { authorization: `Bearer ${key}` },
    pid: nexus.child.pid,
  },
};
type Run = { requestsPerSecond: number; p99Ms: number; cpuMicrosecondsPerRequest: number };
const summarize = (runs: Run[]): Run => ({
  requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
  p99Ms: median(runs.map((run) => run.p99Ms)),
  cpuMicrosecondsPerRequest: median(runs.map((run) => run.cpuMicrosecondsPerRequest)),
});
const loadAverages: number[] = [];
const percent = (part: number, whole: number) => `${((part / whole) * 100).toFixed(0)}%`;

const rows: string[] = [];
try {
  for (const target of Object.values(targets)) await measure(target, 16);
  for (const connections of concurrencies) {
    const runs: Record<keyof typeof targets, Run[]> = { bare: [], bareLogged: [], nexus: [] };
    for (let round = 0; round < rounds; round++) {
      for (const [name, target] of Object.entries(targets) as Array<
        [keyof typeof targets, (typeof targets)["bare"]]
      >) {
        runs[name].push(await measure(target, connections));
        loadAverages.push(os.loadavg()[0] ?? Number.NaN);
      }
    }
    const baseline = summarize(runs.bare);
    const logged = summarize(runs.bareLogged);
    const ours = summarize(runs.nexus);
    const cpu = [baseline, logged, ours].map((run) => run.cpuMicrosecondsPerRequest.toFixed(1)).join(" / ");
    rows.push(
      `| ${connections} | ${Math.round(baseline.requestsPerSecond)} | ${Math.round(logged.requestsPerSecond)} | ${Math.round(ours.requestsPerSecond)} | ${baseline.p99Ms} / ${logged.p99Ms} / ${ours.p99Ms} | ${cpu} | ${percent(ours.requestsPerSecond, baseline.requestsPerSecond)} | ${percent(ours.requestsPerSecond, logged.requestsPerSecond)} | ${percent(baseline.cpuMicrosecondsPerRequest, ours.cpuMicrosecondsPerRequest)} |`,
    );
  }
} finally {
  bare.child.kill("SIGTERM");
  bareLogged.child.kill("SIGTERM");
  nexus.child.kill("SIGTERM");
  fs.rmSync(dataDir, { recursive: true, force: true });
}

console.log(
  `server overhead, median of ${rounds} alternating ${duration} s rounds per point, ${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}, 1-min load average ${Math.min(...loadAverages).toFixed(1)}–${Math.max(...loadAverages).toFixed(1)} during the rounds`,
);
console.log(
  "| connections | bare Fastify req/s | bare + access log req/s | Nexus GET /api/me req/s | p99 ms (bare / logged / Nexus) | server CPU µs per request (bare / logged / Nexus) | Nexus / bare | Nexus / bare + access log | bare CPU / Nexus CPU per request |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
