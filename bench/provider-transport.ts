/**
 * The OpenAI-compatible provider's upstream transport in isolation: `doGenerate` and `doStream`
 * (every chunk consumed) in a loop against the fast stub upstream (/work/shared/peers/stub.mjs),
 * the provider as of a baseline commit (fetch + web streams; default cce6399) against the current
 * one (undici Pool + Node streams), same process, alternating rounds, medians.
 *
 * Reported per mode and concurrency: calls/s and the provider's CPU per call (this process's
 * user+system CPU over the calls it completed; the stub runs in its own process, pinned to
 * another core when taskset is there), then current ÷ baseline.
 *
 *   npx tsx bench/provider-transport.ts [--duration 2] [--rounds 3] [--baseline <commit>]
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ModelProvider } from "../packages/gateway/src/providers/model-provider.ts";
import { createOpenAICompatibleProvider } from "../packages/gateway/src/providers/openai-compatible-provider.ts";

const root = path.resolve(import.meta.dirname, "..");
const option = (name: string, fallback: string) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
};
const durationMs = Number(option("--duration", "2")) * 1000;
const rounds = Number(option("--rounds", "3"));
const baselineCommit = option("--baseline", "cce6399");
const concurrencies = [1, 16, 64];
const modes = ["generate", "stream"] as const;
const loadAverage = () =>
  os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(" ");
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const canPin = os.cpus().length >= 2 && spawnSync("taskset", ["-V"]).status === 0;
if (canPin && !process.env.BENCH_PINNED) {
  // This process (the provider under test) on core 0, the stub on core 1.
  const result = spawnSync(
    "taskset",
    ["-c", "0", process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: "inherit", env: { ...process.env, BENCH_PINNED: "1" } },
  );
  process.exit(result.status ?? 1);
}

/** The baseline's gateway sources, extracted from git under bench/.tmp so node_modules resolve. */
async function loadBaseline(): Promise<typeof createOpenAICompatibleProvider> {
  const dir = path.join(root, "bench/.tmp/provider-baseline", baselineCommit);
  const entry = path.join(dir, "packages/gateway/src/providers/openai-compatible-provider.ts");
  if (!fs.existsSync(entry)) {
    fs.mkdirSync(dir, { recursive: true });
    const archive = execFileSync("git", ["archive", baselineCommit, "packages/gateway/src"], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    execFileSync("tar", ["-x", "-C", dir, "--exclude=*.test.ts"], { input: archive });
  }
  const module = (await import(pathToFileURL(entry).href)) as {
    createOpenAICompatibleProvider: typeof createOpenAICompatibleProvider;
  };
  return module.createOpenAICompatibleProvider;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startStub(port: number): Promise<ChildProcess> {
  const command = canPin ? "taskset" : process.execPath;
  const args = canPin
    ? ["-c", "1", process.execPath, "/work/shared/peers/stub.mjs", String(port)]
    : ["/work/shared/peers/stub.mjs", String(port)];
  const stub = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    stub.stdout?.once("data", () => resolve());
    stub.once("exit", (code) => reject(new Error(`stub exited with ${code}`)));
  });
  return stub;
}

const request = {
  model: "stub-model",
  messages: [{ role: "user" as const, content: "Hello" }],
};

async function callOnce(provider: ModelProvider, mode: (typeof modes)[number]): Promise<void> {
  const call = { model: "stub-model", signal: new AbortController().signal };
  if (mode === "generate") {
    const completion = await provider.doGenerate(request, call);
    if (!completion.choices[0]?.message.content) throw new Error("empty completion");
    return;
  }
  let chunks = 0;
  for await (const _chunk of provider.doStream(request, call)) chunks++;
  if (chunks !== 21) throw new Error(`expected 21 chunks, got ${chunks}`);
}

/** Calls completed per second and CPU microseconds per call, `concurrency` loops for `durationMs`. */
async function measure(provider: ModelProvider, mode: (typeof modes)[number], concurrency: number) {
  const deadline = performance.now() + durationMs;
  let calls = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await callOnce(provider, mode);
        calls++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond: calls / seconds, cpuMicrosPerCall: (cpu.user + cpu.system) / calls };
}

const baselineFactory = await loadBaseline();
const port = await freePort();
const stub = await startStub(port);
const baseURL = `http://127.0.0.1:${port}/v1`;
const targets = {
  baseline: baselineFactory({ id: "stub", baseURL }),
  current: createOpenAICompatibleProvider({ id: "stub", baseURL }),
};
type Target = keyof typeof targets;

try {
  console.log(
    `provider transport: ${durationMs / 1000} s × ${rounds} rounds per cell, baseline ${baselineCommit}, ` +
      `Node ${process.version}, ${os.cpus().length} cores, load average ${loadAverage()}${canPin ? ", pinned" : ""}`,
  );
  for (const target of Object.values(targets)) {
    for (const mode of modes) for (let index = 0; index < 200; index++) await callOnce(target, mode);
  }
  console.log(
    "| mode | c | baseline calls/s | current calls/s | ratio | baseline CPU µs/call | current CPU µs/call | CPU ratio |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const mode of modes) {
    for (const concurrency of concurrencies) {
      const results: Record<Target, Array<{ perSecond: number; cpuMicrosPerCall: number }>> = {
        baseline: [],
        current: [],
      };
      for (let round = 0; round < rounds; round++) {
        const order: Target[] = round % 2 === 0 ? ["baseline", "current"] : ["current", "baseline"];
        for (const target of order) results[target].push(await measure(targets[target], mode, concurrency));
      }
      const rate = (target: Target) => median(results[target].map((result) => result.perSecond));
      const cpu = (target: Target) => median(results[target].map((result) => result.cpuMicrosPerCall));
      console.log(
        `| ${mode} | ${concurrency} | ${rate("baseline").toFixed(0)} | ${rate("current").toFixed(0)} | ` +
          `${(rate("current") / rate("baseline")).toFixed(2)}× | ${cpu("baseline").toFixed(0)} | ` +
          `${cpu("current").toFixed(0)} | ${(cpu("current") / cpu("baseline")).toFixed(2)}× |`,
      );
    }
  }
  console.log(`load average at the end: ${loadAverage()}`);
} finally {
  await Promise.allSettled(Object.values(targets).map((target) => target.close?.()));
  stub.kill("SIGTERM");
}
