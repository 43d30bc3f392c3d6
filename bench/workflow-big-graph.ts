/**
 * Big graphs: import a generated N-node chain (start → N variable-aggregators → end; default 500)
 * and the largest Dify fixture, and the engine's overhead per node running the chain. The
 * baseline is the target (import < 1 s, < 0.2 ms per node); the ratio printed is target ÷
 * measured (> 1 = met). Timings are min and median of several rounds, warm, as a server is.
 *
 *   npx tsx bench/workflow-big-graph.ts [--nodes 500] [--rounds 20]
 */
import fs from "node:fs";
import path from "node:path";
import { builtinNodes, createNodeRegistry, importDsl, runWorkflow } from "@nexus/workflows";
import { chainDefinition, dslOf } from "../packages/workflows/src/testing/graph-builder.ts";
import { machineLine, median } from "./bench-processes.ts";

const argument = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const nodes = argument("--nodes", 500);
const rounds = argument("--rounds", 20);
const registry = createNodeRegistry(builtinNodes);

function timeImport(text: string): number[] {
  importDsl(text, registry);
  return Array.from({ length: 5 }, () => {
    const started = performance.now();
    importDsl(text, registry);
    return performance.now() - started;
  });
}

const chainText = dslOf(chainDefinition(nodes));
const chainImports = timeImport(chainText);
const fixtures = "/work/shared/fixtures/dify";
const largest = fs
  .readdirSync(fixtures)
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => ({ name, size: fs.statSync(path.join(fixtures, name)).size }))
  .sort((a, b) => b.size - a.size)[0];
const fixtureImports = largest ? timeImport(fs.readFileSync(path.join(fixtures, largest.name), "utf8")) : [];

const { definition } = importDsl(chainText, registry);
const runOnce = async () => {
  const outcome = await runWorkflow({
    definition,
    registry,
    services: { workspaceId: "bench", apiKeyId: null, mode: definition.mode },
    inputs: {},
    system: { workflow_run_id: "bench", query: "q" },
    limits: { maxSteps: nodes * 2 + 10 },
    onEvent: () => {},
  });
  if ((outcome.outputs as { out?: unknown }).out !== "q") throw new Error("the chain gave a wrong output");
};
await runOnce();
const perNodeMs: number[] = [];
for (let round = 0; round < rounds; round++) {
  const started = performance.now();
  await runOnce();
  perNodeMs.push((performance.now() - started) / (nodes + 2));
}

const line = (label: string, values: number[], target: number, unit: "ms" | "µs") => {
  const scale = unit === "µs" ? 1000 : 1;
  const best = Math.min(...values);
  console.log(
    `${label}: min ${(best * scale).toFixed(1)} ${unit}, median ${(median(values) * scale).toFixed(1)} ${unit}` +
      ` (target < ${target * scale} ${unit}: ${(target / median(values)).toFixed(1)}× under it)`,
  );
};
console.log(machineLine());
line(`import of a ${nodes}-node chain`, chainImports, 1000, "ms");
if (largest)
  line(`import of the largest fixture (${largest.name}, ${largest.size} bytes)`, fixtureImports, 1000, "ms");
line(`engine overhead per node (${nodes}-node chain, ${rounds} runs)`, perNodeMs, 0.2, "µs");
