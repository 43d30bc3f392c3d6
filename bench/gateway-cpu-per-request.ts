/**
 * Gateway CPU per request (issue 4, the "within 1.5× of a bare proxy" target at c=16/64).
 *
 * With the gateway and the stub sharing one core, a gateway's added latency at c=16/64 is its CPU
 * per request; wall-clock throughput is too noisy on a shared machine, CPU time is not. This script
 * starts the stub (/work/shared/peers/stub.mjs), the bare proxy (bench/bare-proxy.mjs) and
 * `nexus start` (NEXUS_OPENAI_UPSTREAMS → the stub, Bearer key, default `info` access log to
 * /dev/null), drives N requests at concurrency C through each gateway with a keep-alive client,
 * and reads every server process's utime+stime from /proc/<pid>/stat before and after. It prints
 * CPU µs per request for Nexus, the bare proxy and the stub (measured in the same run), and the
 * ratio of each gateway's CPU to the stub's CPU per request: that ratio holds up under other load
 * (both slow down alike), so it is comparable across runs on a busy machine.
 *
 *   npx tsx bench/gateway-cpu-per-request.ts [--requests 4000] [--concurrency 16] [--rounds 3]
 *     [--mode json|sse] [--only nexus|bare]
 *
 * `--baseline <dir>` also starts `nexus start` from another checkout of Nexus (e.g. the last commit,
 * unpacked with its own node_modules/@nexus links), as a third target in the same alternating
 * rounds: a before/after comparison that the machine's other load cannot tilt.
 *
 * BENCH_NEXUS_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") go on Nexus's node command
 * line (Node 20 refuses --cpu-prof in NODE_OPTIONS), for profiling it under exactly this load;
 * BENCH_BARE_NODE_ARGS likewise for the bare proxy.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import {
  canPin,
  cleanup,
  machineLine,
  median,
  root,
  startProcess,
  startStub,
  tempDirs,
} from "./bench-processes.ts";

const flag = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const requests = flag("--requests", 4000);
const concurrency = flag("--concurrency", 16);
const rounds = flag("--rounds", 3);
const allModes = ["json", "sse"] as const;
type Mode = (typeof allModes)[number];
const option = (name: string) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
};
/** `--mode json` or `--mode sse` measures one mode only (e.g. while profiling). */
const modes = allModes.filter((mode) => (option("--mode") ?? mode) === mode);
/** `--only nexus` leaves the bare proxy out (profiling). */
const only = option("--only");

/** `--baseline <dir>`: another checkout of Nexus measured beside this one. */
const baseline = option("--baseline");

/** `nexus start` as bench-processes' startNexusServer does it, with extra node arguments. */
async function startNexus(env: Record<string, string>, nodeArgs: string[], checkout = root) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "nexus-bench-cpu-"));
  tempDirs.push(dataDir);
  const cli = path.join(checkout, "apps/cli/bin/nexus.js");
  const nexusEnv = {
    NEXUS_DATA_DIR: dataDir,
    NEXUS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
    ...env,
  };
  const key = execFileSync(process.execPath, [cli, "keys", "create", "--workspace", "nexus-os"], {
    env: { ...process.env, ...nexusEnv },
    stdio: ["ignore", "pipe", "ignore"],
  })
    .toString()
    .trim();
  const { child, match } = await startProcess("nexus", [...nodeArgs, cli, "start", "--port", "0"], {
    env: nexusEnv,
    ready: /running at (http:\/\/\S+)/,
    announcesOn: "stderr",
  });
  return { child, url: match?.[1] ?? "", key };
}

const ticksPerSecond = 100; // USER_HZ on Linux
/** utime + stime of a process in µs, from /proc/<pid>/stat (fields 14 and 15). */
function cpuMicros(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces; fields after it start past the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks / ticksPerSecond) * 1e6;
}

interface Target {
  name: string;
  url: URL;
  headers: Record<string, string>;
  model: string;
  pid: number;
}

function post(target: Target, body: string, agent: http.Agent) {
  return new Promise<{ status: number; bytes: number; text: string }>((resolve, reject) => {
    const request = http.request(
      target.url,
      {
        method: "POST",
        agent,
        headers: { ...target.headers, "content-length": String(Buffer.byteLength(body)) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const all = Buffer.concat(chunks);
          resolve({ status: response.statusCode ?? 0, bytes: all.length, text: all.toString() });
        });
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

const bodyOf = (target: Target, mode: Mode) =>
  JSON.stringify({
    model: target.model,
    stream: mode === "sse",
    messages: [{ role: "user", content: "hi" }],
  });

/** Checks one response in full: the JSON message, or the 20 tokens, the finish and [DONE]. */
function check(mode: Mode, status: number, text: string) {
  if (status !== 200) throw new Error(`status ${status}: ${text.slice(0, 200)}`);
  if (mode === "json") {
    const parsed = JSON.parse(text) as { choices?: Array<{ message?: { content?: unknown } }> };
    if (typeof parsed.choices?.[0]?.message?.content !== "string") throw new Error(`no message: ${text}`);
    return;
  }
  const events = text
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).trim());
  if (events.at(-1) !== "[DONE]") throw new Error(`no [DONE]: ${text.slice(-200)}`);
  const tokens = events
    .slice(0, -1)
    .map(
      (event) =>
        (JSON.parse(event) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta
          ?.content ?? "",
    )
    .join("");
  if (tokens !== Array.from({ length: 20 }, (_, i) => `tok${i} `).join(""))
    throw new Error(`tokens ${tokens.slice(0, 80)}`);
}

/** N requests at concurrency C over keep-alive sockets; every response must be 200 and full size. */
async function drive(target: Target, mode: Mode, count: number, minBytes: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const body = bodyOf(target, mode);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const response = await post(target, body, agent);
      if (response.status !== 200 || response.bytes < minBytes)
        throw new Error(`${target.name} ${mode}: status ${response.status}, ${response.bytes} bytes`);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
}

const results: Array<{ mode: Mode; target: string; gateway: number; stub: number; rounds: number[] }> = [];
try {
  console.error(machineLine());
  const stub = await startStub();
  const stubPid = stub.child.pid ?? 0;
  const bareArgs = (process.env.BENCH_BARE_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const bare = await startProcess(
    "bare proxy",
    [...bareArgs, path.join(root, "bench/bare-proxy.mjs"), stub.origin],
    {
      ready: /listening (\d+)/,
      announcesOn: "stdout",
    },
  );
  const nexus = await startNexus(
    { NEXUS_OPENAI_UPSTREAMS: JSON.stringify([{ id: "stub", baseURL: stub.baseURL }]) },
    (process.env.BENCH_NEXUS_NODE_ARGS ?? "").split(" ").filter(Boolean),
  );
  const baselineNexus = baseline
    ? await startNexus(
        { NEXUS_OPENAI_UPSTREAMS: JSON.stringify([{ id: "stub", baseURL: stub.baseURL }]) },
        [],
        path.resolve(baseline),
      )
    : undefined;
  const json = { "content-type": "application/json" };
  const allTargets: Target[] = [
    {
      name: "bare proxy",
      url: new URL(`http://127.0.0.1:${bare.match?.[1]}/v1/chat/completions`),
      headers: { ...json, authorization: "Bearer sk-stub" },
      model: "stub-model",
      pid: bare.child.pid ?? 0,
    },
    {
      name: "nexus",
      url: new URL(`${nexus.url}/v1/chat/completions`),
      headers: { ...json, authorization: `Bearer ${nexus.key}` },
      model: "stub/stub-model",
      pid: nexus.child.pid ?? 0,
    },
    ...(baselineNexus
      ? [
          {
            name: "nexus baseline",
            url: new URL(`${baselineNexus.url}/v1/chat/completions`),
            headers: { ...json, authorization: `Bearer ${baselineNexus.key}` },
            model: "stub/stub-model",
            pid: baselineNexus.child.pid ?? 0,
          },
        ]
      : []),
  ];
  const targets = allTargets.filter((target) => !only || target.name.startsWith(only));

  for (const mode of modes) {
    const minBytes = new Map<string, number>();
    for (const target of targets) {
      const agent = new http.Agent({ keepAlive: true });
      const sanity = await post(target, bodyOf(target, mode), agent);
      agent.destroy();
      check(mode, sanity.status, sanity.text);
      minBytes.set(target.name, sanity.bytes);
      // Warm-up: JIT, sockets, pools.
      await drive(target, mode, Math.min(2000, requests), sanity.bytes);
    }
    const perRound = new Map(targets.map((target) => [target.name, [] as Array<[number, number]>]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const before = [cpuMicros(target.pid), cpuMicros(stubPid)];
        await drive(target, mode, requests, minBytes.get(target.name) ?? 0);
        const gateway = (cpuMicros(target.pid) - (before[0] ?? 0)) / requests;
        const upstream = (cpuMicros(stubPid) - (before[1] ?? 0)) / requests;
        perRound.get(target.name)?.push([gateway, upstream]);
        console.error(
          `${mode} ${target.name} round ${round + 1}: ${gateway.toFixed(1)} µs/req, stub ${upstream.toFixed(1)} µs/req`,
        );
      }
    }
    for (const target of targets) {
      const list = perRound.get(target.name) ?? [];
      results.push({
        mode,
        target: target.name,
        gateway: median(list.map(([gateway]) => gateway)),
        stub: median(list.map(([, upstream]) => upstream)),
        rounds: list.map(([gateway]) => gateway),
      });
    }
  }
} finally {
  cleanup();
}

console.log(
  `\ngateway CPU per request, ${requests} requests × ${rounds} rounds at c=${concurrency} (median), ` +
    `${os.cpus().length} cores, ${canPin ? "servers on core 1, client on core 0" : "not pinned"}`,
);
console.log("\n| mode | target | CPU µs/req | stub CPU µs/req | gateway ÷ stub |");
console.log("| --- | --- | --- | --- | --- |");
for (const row of results) {
  console.log(
    `| ${row.mode} | ${row.target} | ${row.gateway.toFixed(1)} | ${row.stub.toFixed(1)} | ${(row.gateway / row.stub).toFixed(2)} |`,
  );
}
/** The ratio of two targets' CPU per request round by round (same round, same load): its range. */
function roundRatios(a: { rounds: number[] }, b: { rounds: number[] }): string {
  const ratios = a.rounds.map((value, index) => value / (b.rounds[index] ?? Number.NaN));
  return (
    `per round ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×, ` +
    `median ${median(ratios).toFixed(2)}×`
  );
}

for (const mode of modes) {
  const bare = results.find((row) => row.mode === mode && row.target === "bare proxy");
  const nexus = results.find((row) => row.mode === mode && row.target === "nexus");
  const before = results.find((row) => row.mode === mode && row.target === "nexus baseline");
  if (nexus && before) {
    console.log(
      `- ${mode}: Nexus ÷ baseline CPU per request ${(nexus.gateway / before.gateway).toFixed(2)}× ` +
        `(${nexus.gateway.toFixed(1)} vs ${before.gateway.toFixed(1)} µs; ${roundRatios(nexus, before)})` +
        (bare
          ? `; baseline ÷ bare proxy ${(before.gateway / bare.gateway).toFixed(2)}× (${roundRatios(before, bare)})`
          : ""),
    );
  }
  if (!bare || !nexus) continue;
  const normalized = nexus.gateway / nexus.stub / (bare.gateway / bare.stub);
  console.log(
    `- ${mode}: Nexus ÷ bare proxy CPU per request ${(nexus.gateway / bare.gateway).toFixed(2)}× raw ` +
      `(${roundRatios(nexus, bare)}), ` +
      `${normalized.toFixed(2)}× normalized by the stub (target ≤ 1.5×)`,
  );
}
