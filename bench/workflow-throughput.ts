/**
 * Workflow throughput: a 3-node workflow (start → template-transform → end) behind its api
 * trigger (`POST /api/apps/<workspace>/bench/run`, which runs it blocking and answers its
 * outputs, with the workspace's API key), every run persisted with its node results, under
 * autocannon at concurrency 16 and 64. Beside it, when n8n is installed
 * in a temp folder (N8N_DIR, default $TMPDIR/n8n-bench, see the issue for how to install it), the
 * equivalent n8n workflow (Webhook → Set → Respond to Webhook) with default settings on the same
 * machine in the same run; otherwise Nexus's figures alone. This script never installs n8n.
 *
 *   npx tsx bench/workflow-throughput.ts [--duration 20]
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import {
  cleanup,
  freePort,
  machineLine,
  startNexusServer,
  startProcess,
  tempDirs,
} from "./bench-processes.ts";

const durationArg = process.argv.indexOf("--duration");
const duration = durationArg > 0 ? Number(process.argv[durationArg + 1]) : 20;
const concurrencies = [16, 64];

const dsl = `app:
  mode: workflow
  name: bench-echo
kind: app
version: 0.3.1
workflow:
  graph:
    nodes:
    - id: start
      data: { type: start, title: Start, variables: [{ variable: name, label: name, type: text-input, required: true }] }
    - id: greet
      data: { type: template-transform, title: Greet, template: "Hello {{ name }}!", variables: [{ variable: name, value_selector: [start, name] }] }
    - id: end
      data: { type: end, title: End, outputs: [{ variable: greeting, value_selector: [greet, output] }] }
    edges:
    - { source: start, target: greet }
    - { source: greet, target: end }
`;

/** Seconds a process has spent on a CPU, all its threads (Linux schedstat); NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  let nanoseconds = 0;
  try {
    for (const thread of fs.readdirSync(`/proc/${pid}/task`)) {
      nanoseconds += Number.parseInt(fs.readFileSync(`/proc/${pid}/task/${thread}/schedstat`, "utf8"), 10);
    }
  } catch {
    return Number.NaN;
  }
  return nanoseconds / 1e9;
}

interface Figures {
  /** Server CPU time per run: on a shared machine this moves far less than runs/s. */
  cpuMicrosecondsPerRun: number;
  runsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
}

async function load(
  target: { url: string; headers: Record<string, string>; body: string; pid?: number },
  connections: number,
): Promise<Figures> {
  const { url, headers, body } = target;
  const cpuBefore = cpuSeconds(target.pid);
  const result = await autocannon({
    url,
    method: "POST",
    headers,
    body,
    connections,
    duration,
    pipelining: 1,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    cpuMicrosecondsPerRun: ((cpuSeconds(target.pid) - cpuBefore) * 1e6) / result.requests.total,
    runsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
  };
}

async function nexusTarget() {
  const nexus = await startNexusServer({ NEXUS_LOG_LEVEL: "warn" });
  const call = async (pathname: string, body: unknown) => {
    const response = await fetch(`${nexus.url}${pathname}`, {
      method: "POST",
      headers: { authorization: `Bearer ${nexus.key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const imported = (await call("/api/workflows/import", { yaml: dsl })) as { workflow: { id: string } };
  const { url } = (await call(`/api/workflows/${imported.workflow.id}/triggers`, {
    kind: "api",
    method: "POST",
    path: "bench/run",
  })) as { url: string };
  return {
    url: `${nexus.url}${url}`,
    headers: { authorization: `Bearer ${nexus.key}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench" }),
    check: async () => {
      const runs = await fetch(`${nexus.url}/api/workflows/${imported.workflow.id}/runs`, {
        headers: { authorization: `Bearer ${nexus.key}` },
      });
      const { data } = (await runs.json()) as { data: Array<{ id: string; status: string }> };
      const detail = await fetch(`${nexus.url}/api/workflow-runs/${data[0]?.id}`, {
        headers: { authorization: `Bearer ${nexus.key}` },
      });
      const { run } = (await detail.json()) as {
        run: { status: string; outputs: unknown; nodes: unknown[] };
      };
      return `last run ${run.status}, ${run.nodes.length} node results stored, outputs ${JSON.stringify(run.outputs)}`;
    },
    pid: nexus.child.pid,
    stop: () => nexus.child.kill("SIGTERM"),
  };
}

/** n8n from a temp folder, if present: Webhook → Set → Respond to Webhook, imported active. */
async function n8nTarget() {
  const dir = process.env.N8N_DIR ?? path.join(os.tmpdir(), "n8n-bench");
  const bin = path.join(dir, "node_modules", "n8n", "bin", "n8n");
  if (!fs.existsSync(bin)) return undefined;
  const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), "n8n-user-"));
  tempDirs.push(userFolder);
  const workflowFile = path.join(userFolder, "bench.json");
  fs.writeFileSync(
    workflowFile,
    JSON.stringify({
      id: "bench0000000001",
      name: "bench-echo",
      active: true,
      nodes: [
        {
          id: "a",
          name: "Webhook",
          type: "n8n-nodes-base.webhook",
          typeVersion: 2,
          position: [0, 0],
          webhookId: "bench",
          parameters: { httpMethod: "POST", path: "bench", responseMode: "responseNode" },
        },
        {
          id: "b",
          name: "Set",
          type: "n8n-nodes-base.set",
          typeVersion: 3.4,
          position: [200, 0],
          parameters: {
            assignments: {
              assignments: [
                { id: "g", name: "greeting", type: "string", value: "=Hello {{ $json.body.inputs.name }}!" },
              ],
            },
          },
        },
        {
          id: "c",
          name: "Respond",
          type: "n8n-nodes-base.respondToWebhook",
          typeVersion: 1.1,
          position: [400, 0],
          parameters: {},
        },
      ],
      connections: {
        Webhook: { main: [[{ node: "Set", type: "main", index: 0 }]] },
        Set: { main: [[{ node: "Respond", type: "main", index: 0 }]] },
      },
      settings: {},
    }),
  );
  const port = await freePort();
  const env = {
    N8N_USER_FOLDER: userFolder,
    N8N_PORT: String(port),
    N8N_DIAGNOSTICS_ENABLED: "false",
    SCARF_ANALYTICS: "false",
    N8N_RUNNERS_ENABLED: "false",
  };
  execFileSync(process.execPath, [bin, "import:workflow", `--input=${workflowFile}`], {
    env: { ...process.env, ...env },
    stdio: "ignore",
  });
  execFileSync(process.execPath, [bin, "update:workflow", "--id=bench0000000001", "--active=true"], {
    env: { ...process.env, ...env },
    stdio: "ignore",
  });
  const { child } = await startProcess("n8n", [bin, "start"], {
    env,
    pollUrl: `http://127.0.0.1:${port}/healthz`,
  });
  return {
    url: `http://127.0.0.1:${port}/webhook/bench`,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ inputs: { name: "bench" } }),
    check: async () => "n8n",
    pid: child.pid,
    stop: () => child.kill("SIGTERM"),
  };
}

try {
  console.log(`workflow-throughput: ${machineLine()}, ${duration} s per point`);
  const nexus = await nexusTarget();
  const n8n = await n8nTarget().catch((error: Error) => {
    console.log(`n8n could not start (${error.message}); Nexus figures only`);
    return undefined;
  });
  if (!n8n) console.log("n8n not found in N8N_DIR or $TMPDIR/n8n-bench: Nexus figures only");
  // Warm both before measuring.
  await load(nexus, 16).catch(() => undefined);
  for (const connections of concurrencies) {
    const ours = await load(nexus, connections);
    const line = `c=${connections}: Nexus ${ours.runsPerSecond.toFixed(0)} runs/s, p50 ${ours.p50Ms} ms, p99 ${ours.p99Ms} ms (${ours.total} runs, ${ours.cpuMicrosecondsPerRun.toFixed(0)} µs server CPU per run)`;
    if (n8n) {
      const theirs = await load(n8n, connections);
      console.log(
        `${line}; n8n ${theirs.runsPerSecond.toFixed(0)} runs/s, p50 ${theirs.p50Ms} ms, p99 ${theirs.p99Ms} ms (${theirs.cpuMicrosecondsPerRun.toFixed(0)} µs CPU per run); ratio ${(ours.runsPerSecond / theirs.runsPerSecond).toFixed(1)}x`,
      );
    } else console.log(line);
  }
  console.log(await nexus.check());
  nexus.stop();
  n8n?.stop();
} finally {
  cleanup();
}
