/**
 * Memory soak (issue 4, benchmark 3): streaming chat completions through Nexus at concurrency 32
 * against the stub upstream for 10 minutes; Nexus's resident memory is sampled every 5 s. After a
 * warm-up minute, memory must grow < 10% (proxy memory leaks are LiteLLM's most-reported bug).
 * Baseline in the same run: the bare pass-through proxy under the same load, for comparison.
 *
 *   npx tsx bench/memory-soak.ts [--minutes 10] [--baseline-minutes 10] [--warmup 1] [--connections 32]
 */
import autocannon from "autocannon";
import {
  cleanup,
  freePort,
  residentBytes,
  root,
  startNexusServer,
  startProcess,
  stubScript,
} from "./bench-processes.ts";

const flag = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const minutes = flag("--minutes", 10);
const baselineMinutes = flag("--baseline-minutes", minutes);
const warmupMinutes = flag("--warmup", 1);
const connections = flag("--connections", 32);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

interface Soak {
  requests: number;
  failures: number;
  afterWarmup: number;
  final: number;
  peak: number;
}

async function soak(
  name: string,
  pid: number,
  url: string,
  headers: Record<string, string>,
  model: string,
  soakMinutes: number,
): Promise<Soak> {
  const samples: Array<{ at: number; rss: number }> = [];
  const started = Date.now();
  const sampler = setInterval(
    () => samples.push({ at: Date.now() - started, rss: residentBytes(pid) }),
    5_000,
  );
  const instance = autocannon({
    url,
    method: "POST",
    connections,
    duration: soakMinutes * 60,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "hello" }] }),
  });
  const result = await instance;
  clearInterval(sampler);
  const afterWarmup = samples.find((sample) => sample.at >= warmupMinutes * 60_000)?.rss ?? Number.NaN;
  const final = samples.at(-1)?.rss ?? Number.NaN;
  const peak = Math.max(...samples.map((sample) => sample.rss));
  const growth = ((final - afterWarmup) / afterWarmup) * 100;
  console.error(
    `${name}: ${result.requests.total} streams, RSS after warm-up ${mb(afterWarmup)} MB, final ${mb(final)} MB (${growth.toFixed(1)}%), peak ${mb(peak)} MB`,
  );
  return {
    requests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
    afterWarmup,
    final,
    peak,
  };
}

try {
  const stubPort = await freePort();
  await startProcess("stub", [stubScript, String(stubPort)], { ready: /listening/, announcesOn: "stdout" });
  const stubOrigin = `http://127.0.0.1:${stubPort}`;
  const bare = await startProcess("bare proxy", [`${root}/bench/bare-proxy.mjs`, stubOrigin], {
    ready: /listening (\d+)/,
    announcesOn: "stdout",
  });
  const nexus = await startNexusServer({
    NEXUS_OPENAI_UPSTREAMS: JSON.stringify([{ id: "stub", baseURL: `${stubOrigin}/v1` }]),
  });
  const nexusPid = nexus.child.pid ?? 0;
  const barePid = bare.child.pid ?? 0;

  const rows: Array<[string, Soak]> = [];
  rows.push([
    "nexus",
    await soak(
      "nexus",
      nexusPid,
      `${nexus.url}/v1/chat/completions`,
      { authorization: `Bearer ${nexus.key}` },
      "stub/stub-model",
      minutes,
    ),
  ]);
  rows.push([
    "bare proxy",
    await soak(
      "bare proxy",
      barePid,
      `http://127.0.0.1:${bare.match?.[1]}/v1/chat/completions`,
      {},
      "stub-model",
      baselineMinutes,
    ),
  ]);

  console.log(
    `\nMemory soak: SSE at ${connections} connections for ${minutes} min (bare proxy ${baselineMinutes} min; warm-up ${warmupMinutes} min), ${new Date().toISOString()}`,
  );
  console.log("| target | streams | failures | RSS after warm-up MB | final MB | peak MB | growth |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const [name, row] of rows) {
    const growth = ((row.final - row.afterWarmup) / row.afterWarmup) * 100;
    console.log(
      `| ${name} | ${row.requests} | ${row.failures} | ${mb(row.afterWarmup)} | ${mb(row.final)} | ${mb(row.peak)} | ${growth.toFixed(1)}% |`,
    );
  }
  const nexusRow = rows[0]?.[1];
  if (nexusRow) {
    const growth = ((nexusRow.final - nexusRow.afterWarmup) / nexusRow.afterWarmup) * 100;
    console.log(`\nNexus RSS growth after warm-up: ${growth.toFixed(1)}% (target < 10%)`);
  }
} finally {
  cleanup();
}
