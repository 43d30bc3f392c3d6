/**
 * Gateway overhead (issue 4, benchmark 1): OpenAI chat completions, non-streaming JSON and
 * streaming SSE, at concurrency 1, 16 and 64, against one fast stub upstream
 * (/work/shared/peers/stub.mjs) through
 *   direct  — straight to the stub;
 *   bare    — a bare pass-through reverse proxy (@fastify/http-proxy, bench/bare-proxy.mjs), the
 *             practical floor for any gateway;
 *   nexus   — `nexus start` with NEXUS_OPENAI_UPSTREAMS pointing at the stub, a Bearer API key,
 *             model `stub/stub-model` (auth, routing and usage accounting on, default logging);
 *   portkey — Portkey's open-source gateway 1.15.2 (installed once into /tmp, never a project
 *             dependency; @hono/node-server pinned to 1.13.5 by npm overrides, else its
 *             streaming fails on Node 20).
 * Every target is its own process. With two or more cores the stub and the gateways run on core 1
 * and the load generator on core 0 (taskset), so a gateway's CPU cost per request shows up as lost
 * throughput and the load generator never competes with it. Each point alternates the targets
 * (rotating their order) for several short rounds and reports medians.
 *
 * Latency at c=1: autocannon keeps whole milliseconds, too coarse for "under 1 ms added", so the
 * c=1 p50/p99 come from a sequential keep-alive client timed with hrtime (which also checks every
 * response: JSON parses with a message, SSE carries the 20 tokens, the finish chunk and [DONE]).
 * c=1 req/s and everything at c=16/64 come from autocannon; there every run must have 0 non-2xx,
 * 0 errors, 0 timeouts, and at least the sanity response's body size per response on average.
 *
 *   npx tsx bench/gateway-overhead.ts [--duration 3] [--rounds 3] [--no-portkey]   (~5.5 min by default)
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import {
  canPin,
  cleanup,
  freePort,
  median,
  quantile,
  root,
  startProcess,
  stubScript,
  tempDirs,
} from "./bench-processes.ts";

const flag = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const duration = flag("--duration", 3);
const rounds = flag("--rounds", 3);
const withPortkey = !process.argv.includes("--no-portkey");
const concurrencies = [1, 16, 64];
const modes = ["json", "sse"] as const;
type Mode = (typeof modes)[number];
const portkeyVersion = "1.15.2";
const portkeyDir = path.join(os.tmpdir(), `nexus-bench-portkey-${portkeyVersion}`);

/** Installs Portkey into a cached folder under the temp dir, exactly as peers/gateway.sh does. */
function installPortkey(): string | undefined {
  const entry = path.join(portkeyDir, "node_modules/@portkey-ai/gateway/build/start-server.js");
  if (fs.existsSync(entry)) return entry;
  try {
    fs.mkdirSync(portkeyDir, { recursive: true });
    fs.writeFileSync(
      path.join(portkeyDir, "package.json"),
      JSON.stringify({
        name: "nexus-bench-portkey",
        version: "0.0.0",
        private: true,
        overrides: { "@hono/node-server": "1.13.5" },
      }),
    );
    console.error(`installing @portkey-ai/gateway@${portkeyVersion} into ${portkeyDir} ...`);
    execFileSync("npm", ["i", `@portkey-ai/gateway@${portkeyVersion}`, "--no-audit", "--no-fund"], {
      cwd: portkeyDir,
      stdio: ["ignore", "ignore", "inherit"],
    });
    return fs.existsSync(entry) ? entry : undefined;
  } catch (error) {
    console.error(`Portkey unavailable: ${(error as Error).message}`);
    return undefined;
  }
}

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  model: string;
  /** Body bytes of a valid response per mode, from the sanity fetch. */
  minBytes: Record<Mode, number>;
}

const requestBody = (target: Target, mode: Mode) =>
  JSON.stringify({
    model: target.model,
    stream: mode === "sse",
    messages: [{ role: "user", content: "hi" }],
  });

/** Why a response body is not a complete chat completion in this mode, or undefined if it is. */
function invalid(mode: Mode, status: number, body: string): string | undefined {
  if (status !== 200) return `status ${status}: ${body.slice(0, 200)}`;
  if (mode === "json") {
    try {
      const parsed = JSON.parse(body) as { choices?: Array<{ message?: { content?: unknown } }> };
      return typeof parsed.choices?.[0]?.message?.content === "string"
        ? undefined
        : `no message: ${body.slice(0, 200)}`;
    } catch {
      return `not JSON: ${body.slice(0, 200)}`;
    }
  }
  const events = body
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).trim());
  if (events.at(-1) !== "[DONE]") return `no [DONE] at the end (${events.length} events)`;
  let text = "";
  let finished = false;
  for (const event of events.slice(0, -1)) {
    const chunk = JSON.parse(event) as {
      choices?: Array<{ delta?: { content?: string }; finish_reason?: string | null }>;
    };
    for (const choice of chunk.choices ?? []) {
      text += choice.delta?.content ?? "";
      if (choice.finish_reason) finished = true;
    }
  }
  const expected = Array.from({ length: 20 }, (_, i) => `tok${i} `).join("");
  if (text !== expected) return `tokens ${JSON.stringify(text.slice(0, 80))}, expected 20 tok<i>`;
  if (!finished) return "no finish_reason";
  return undefined;
}

/** One request over a keep-alive agent, timed from write to the end of the body. */
function post(target: Target, mode: Mode, agent: http.Agent) {
  return new Promise<{ status: number; body: string; ms: number; reads: number }>((resolve, reject) => {
    const payload = requestBody(target, mode);
    const start = process.hrtime.bigint();
    const request = http.request(
      target.url,
      {
        method: "POST",
        agent,
        headers: { ...target.headers, "content-length": String(Buffer.byteLength(payload)) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            reads: chunks.length,
            ms: Number(process.hrtime.bigint() - start) / 1e6,
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

/** Sequential client (c=1): sub-millisecond latency, and every response checked. */
async function probe(target: Target, mode: Mode) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  const end = performance.now() + duration * 1000;
  try {
    while (performance.now() < end) {
      const response = await post(target, mode, agent);
      const problem = invalid(mode, response.status, response.body);
      if (problem) throw new Error(`${target.name} ${mode}: ${problem}`);
      times.push(response.ms);
    }
  } finally {
    agent.destroy();
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), count: times.length };
}

async function load(target: Target, mode: Mode, connections: number, seconds = duration) {
  const result = await autocannon({
    url: target.url,
    method: "POST",
    headers: target.headers,
    body: requestBody(target, mode),
    connections,
    duration: seconds,
    pipelining: 1,
  });
  const bytesPerResponse = result.throughput.total / Math.max(1, result.requests.total);
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0)
    throw new Error(
      `${target.name} ${mode} c=${connections}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  if (bytesPerResponse < target.minBytes[mode])
    throw new Error(
      `${target.name} ${mode} c=${connections}: ${bytesPerResponse.toFixed(0)} bytes per response, a valid body alone is ${target.minBytes[mode]}`,
    );
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.mean,
  };
}

// --- start everything --------------------------------------------------------------------------

const started = new Date();
const loadAverage = os.loadavg().map((value) => value.toFixed(2));
const portkeyEntry = withPortkey ? installPortkey() : undefined;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "nexus-bench-gw-"));
tempDirs.push(dataDir);
const cli = path.join(root, "apps/cli/bin/nexus.js");
const json = { "content-type": "application/json" };

const targets: Target[] = [];
const rows: Array<{
  mode: Mode;
  c: number;
  target: string;
  rps: number;
  p50: number;
  p99: number;
}> = [];
try {
  const stubPort = await freePort();
  await startProcess("stub", [stubScript, String(stubPort)], {
    ready: /listening/,
    announcesOn: "stdout",
  });
  const stubOrigin = `http://127.0.0.1:${stubPort}`;
  const blank = { json: 0, sse: 0 };
  targets.push({
    name: "direct",
    url: `${stubOrigin}/v1/chat/completions`,
    headers: { ...json, authorization: "Bearer sk-stub" },
    model: "stub-model",
    minBytes: { ...blank },
  });

  const bare = await startProcess("bare proxy", [path.join(root, "bench/bare-proxy.mjs"), stubOrigin], {
    ready: /listening (\d+)/,
    announcesOn: "stdout",
  });
  targets.push({
    name: "bare proxy",
    url: `http://127.0.0.1:${bare.match?.[1]}/v1/chat/completions`,
    headers: { ...json, authorization: "Bearer sk-stub" },
    model: "stub-model",
    minBytes: { ...blank },
  });

  const nexusEnv = {
    NEXUS_DATA_DIR: dataDir,
    NEXUS_OPENAI_UPSTREAMS: JSON.stringify([{ id: "stub", baseURL: `${stubOrigin}/v1` }]),
    NEXUS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
  };
  const key = execFileSync(process.execPath, [cli, "keys", "create", "--workspace", "nexus-os"], {
    env: { ...process.env, ...nexusEnv },
    stdio: ["ignore", "pipe", "ignore"],
  })
    .toString()
    .trim();
  const nexus = await startProcess("nexus", [cli, "start", "--port", "0"], {
    env: nexusEnv,
    ready: /running at (http:\/\/\S+)/,
    announcesOn: "stderr",
  });
  targets.push({
    name: "nexus",
    url: `${nexus.match?.[1]}/v1/chat/completions`,
    headers: { ...json, authorization: `Bearer ${key}` },
    model: "stub/stub-model",
    minBytes: { ...blank },
  });

  if (portkeyEntry) {
    const portkeyPort = await freePort();
    try {
      await startProcess("portkey", [portkeyEntry, "--headless", `--port=${portkeyPort}`], {
        cwd: portkeyDir,
        pollUrl: `http://127.0.0.1:${portkeyPort}/`,
      });
      targets.push({
        name: "portkey",
        url: `http://127.0.0.1:${portkeyPort}/v1/chat/completions`,
        headers: {
          ...json,
          authorization: "Bearer sk-stub",
          "x-portkey-provider": "openai",
          "x-portkey-custom-host": `${stubOrigin}/v1`,
        },
        model: "stub-model",
        minBytes: { ...blank },
      });
    } catch (error) {
      console.error(`Portkey unavailable: ${(error as Error).message}`);
    }
  }

  // Sanity: one request per target and mode, checked in full; its body size is the floor for
  // the bytes per response that autocannon must see.
  for (const target of targets) {
    const agent = new http.Agent({ keepAlive: true });
    for (const mode of modes) {
      const response = await post(target, mode, agent);
      const problem = invalid(mode, response.status, response.body);
      if (problem) throw new Error(`sanity ${target.name} ${mode}: ${problem}`);
      target.minBytes[mode] = Buffer.byteLength(response.body);
      console.error(
        `sanity ${target.name} ${mode}: ok, ${target.minBytes[mode]} body bytes in ${response.reads} socket reads`,
      );
    }
    agent.destroy();
  }

  for (const mode of modes) {
    for (const target of targets) await load(target, mode, 16, 2); // warm-up: JIT, sockets
    for (const c of concurrencies) {
      const runs = new Map(targets.map((target) => [target.name, [] as Array<Record<string, number>>]));
      for (let round = 0; round < rounds; round++) {
        const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target);
        for (const target of order) {
          const run = await load(target, mode, c);
          const fine = c === 1 ? await probe(target, mode) : undefined;
          runs.get(target.name)?.push(fine ? { ...run, p50: fine.p50, p99: fine.p99 } : { ...run });
        }
      }
      for (const target of targets) {
        const list = runs.get(target.name) ?? [];
        const row = {
          mode,
          c,
          target: target.name,
          rps: median(list.map((run) => run.rps ?? Number.NaN)),
          p50: median(list.map((run) => run.p50 ?? Number.NaN)),
          p99: median(list.map((run) => run.p99 ?? Number.NaN)),
        };
        rows.push(row);
        console.error(JSON.stringify(row));
      }
    }
  }
} finally {
  cleanup();
}

// --- report ------------------------------------------------------------------------------------

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const ms = (value: number, c: number) => (c === 1 ? value.toFixed(3) : String(value));
const signed = (value: number, c: number) =>
  `${value >= 0 ? "+" : ""}${c === 1 ? value.toFixed(3) : String(value)}`;
const find = (mode: Mode, c: number, target: string) =>
  rows.find((row) => row.mode === mode && row.c === c && row.target === target);

console.log(
  `\ngateway overhead, ${started.toISOString().slice(0, 10)}, ${duration} s × ${rounds} rounds per point (median), ` +
    `${os.cpus().length} cores (${cpu}), Node ${process.version}, load average at start ${loadAverage.join(" ")}, ` +
    `${canPin ? "servers pinned to core 1, load generator to core 0" : "not pinned"}`,
);
console.log(
  "Latency in ms; at c=1 p50/p99 from a sequential hrtime-timed client, elsewhere autocannon (whole ms).",
);
console.log(
  "\n| mode | c | target | req/s | p50 ms | p99 ms | added p50 ms | added p99 ms | req/s vs direct |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) {
  const direct = find(row.mode, row.c, "direct");
  if (!direct) continue;
  const added =
    row.target === "direct"
      ? ["—", "—"]
      : [signed(row.p50 - direct.p50, row.c), signed(row.p99 - direct.p99, row.c)];
  console.log(
    `| ${row.mode} | ${row.c} | ${row.target} | ${Math.round(row.rps)} | ${ms(row.p50, row.c)} | ${ms(row.p99, row.c)} | ${added[0]} | ${added[1]} | ${((row.rps / direct.rps) * 100).toFixed(0)}% |`,
  );
}

const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : a > 0 ? "∞" : "—");
console.log("\nTargets (issue 4):");
console.log(
  "\n| mode | c | Nexus added p50 / bare added p50 | Nexus added p99 / bare added p99 | target ≤ 1.5x |",
);
console.log("| --- | --- | --- | --- | --- |");
for (const mode of modes) {
  for (const c of concurrencies) {
    const direct = find(mode, c, "direct");
    const bare = find(mode, c, "bare proxy");
    const nexus = find(mode, c, "nexus");
    if (!direct || !bare || !nexus) continue;
    const a50 = nexus.p50 - direct.p50;
    const b50 = bare.p50 - direct.p50;
    const a99 = nexus.p99 - direct.p99;
    const b99 = bare.p99 - direct.p99;
    const met = a50 <= 1.5 * Math.max(b50, 0) && a99 <= 1.5 * Math.max(b99, 0);
    console.log(
      `| ${mode} | ${c} | ${ratio(a50, b50)} (${signed(a50, c)} vs ${signed(b50, c)}) | ${ratio(a99, b99)} (${signed(a99, c)} vs ${signed(b99, c)}) | ${met ? "met" : "not met"} |`,
    );
  }
}
for (const mode of modes) {
  const direct = find(mode, 1, "direct");
  const nexus = find(mode, 1, "nexus");
  if (direct && nexus) {
    const added = nexus.p50 - direct.p50;
    console.log(
      `- Nexus added p50 at c=1, ${mode}: ${added.toFixed(3)} ms (target < 1 ms: ${added < 1 ? "met" : "not met"})`,
    );
  }
}
for (const mode of modes) {
  const nexus = find(mode, 64, "nexus");
  const portkey = find(mode, 64, "portkey");
  if (nexus && portkey) {
    const times = nexus.rps / portkey.rps;
    console.log(
      `- Nexus / Portkey req/s at c=64, ${mode}: ${times.toFixed(1)}x (${Math.round(nexus.rps)} vs ${Math.round(portkey.rps)}; target ≥ 10x: ${times >= 10 ? "met" : "not met"})`,
    );
  } else if (nexus) console.log(`- Nexus / Portkey at c=64, ${mode}: Portkey unavailable`);
}
