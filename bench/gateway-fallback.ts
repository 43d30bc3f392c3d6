/**
 * Fallback under failure (issue 4, benchmark 4): an alias over two replicas of the stub upstream;
 * a healthy run, then the same load while one replica is killed (SIGKILL) a third of the way in.
 * Target: zero client-visible errors for non-streaming requests, and p99 under 2x the healthy p99.
 *
 *   npx tsx bench/gateway-fallback.ts [--duration 9] [--connections 16]
 */
import autocannon from "autocannon";
import { cleanup, freePort, startNexusServer, startProcess, stubScript } from "./bench-processes.ts";

const flag = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const duration = flag("--duration", 9);
const connections = flag("--connections", 16);

async function startStub() {
  const port = await freePort();
  const { child } = await startProcess("stub", [stubScript, String(port)], {
    ready: /listening/,
    announcesOn: "stdout",
  });
  return { child, baseURL: `http://127.0.0.1:${port}/v1` };
}

async function run(url: string, key: string, onStart?: () => void) {
  const instance = autocannon({
    url: `${url}/v1/chat/completions`,
    method: "POST",
    connections,
    duration,
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "fast", messages: [{ role: "user", content: "hello" }] }),
  });
  onStart?.();
  const result = await instance;
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

try {
  const a = await startStub();
  const b = await startStub();
  const nexus = await startNexusServer({
    NEXUS_OPENAI_UPSTREAMS: JSON.stringify([
      { id: "replica-a", baseURL: a.baseURL },
      { id: "replica-b", baseURL: b.baseURL },
    ]),
  });
  const alias = {
    strategy: "least-outstanding",
    retries: 2,
    deployments: [
      { provider: "replica-a", model: "stub-model" },
      { provider: "replica-b", model: "stub-model" },
    ],
  };
  const created = await fetch(`${nexus.url}/api/gateway/aliases/fast`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${nexus.key}` },
    body: JSON.stringify(alias),
  });
  if (!created.ok) throw new Error(`alias: ${created.status} ${await created.text()}`);

  await run(nexus.url, nexus.key); // warm-up
  const healthy = await run(nexus.url, nexus.key);
  const killed = await run(nexus.url, nexus.key, () => {
    setTimeout(() => b.child.kill("SIGKILL"), (duration * 1000) / 3);
  });
  const health = await (
    await fetch(`${nexus.url}/api/gateway/health`, { headers: { authorization: `Bearer ${nexus.key}` } })
  ).json();

  console.log(
    `\nGateway fallback, non-streaming, ${connections} connections, ${duration} s each, ${new Date().toISOString()}`,
  );
  console.log("| run | requests | req/s | p50 ms | p99 ms | client-visible errors |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const [name, row] of [
    ["both replicas healthy", healthy],
    ["replica B killed at 1/3", killed],
  ] as const) {
    console.log(
      `| ${name} | ${row.requests} | ${row.rps.toFixed(0)} | ${row.p50} | ${row.p99} | ${row.failures} |`,
    );
  }
  const ratio = killed.p99 / Math.max(healthy.p99, 1);
  console.log(
    `\np99 with a replica killed / healthy p99: ${ratio.toFixed(2)}x (target < 2x); errors: ${killed.failures} (target 0)`,
  );
  console.log(
    `deployment health after the run: ${JSON.stringify(health.data.map((entry: { deploymentId: string; state: string }) => [entry.deploymentId, entry.state]))}`,
  );
} finally {
  cleanup();
}
