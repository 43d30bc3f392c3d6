import fs from "node:fs";
import { type Config, redactUrl } from "@nexus/core";
import {
  createOpenAICompatibleProvider,
  type DiscoveredServer,
  discoverLocalServers,
  findCatalogModel,
  formatBytes,
  type LocalServerCandidate,
  localServerKinds,
  parseDiscoveryPorts,
  pullCommandFor,
  suggestedCatalogModels,
} from "@nexus/gateway";
import type { CheckResult } from "./doctor-command.ts";

const section = "Models";
const upstreamListTimeoutMs = 3_000;
/**
 * The server probes local ports for 300 ms each at start-up; doctor is asked for a diagnosis, so it
 * waits longer for a busy server rather than report it missing.
 */
const discoveryTimeoutMs = 3_000;

/**
 * The doctor's "Models" section: GGUF files in the models directory, local model servers found
 * on this machine (NEXUS_DISCOVERY_PORTS says where to look), and NEXUS_OPENAI_UPSTREAMS with how
 * many models each offers. When there is no model anywhere, says how to add one.
 */
export async function checkModelSources(config: Config): Promise<CheckResult[]> {
  const files = ggufFiles(config.modelsDir);
  let candidates: LocalServerCandidate[] | undefined;
  let discoveryProblem: string | undefined;
  try {
    candidates = parseDiscoveryPorts(config.discoveryPorts);
  } catch (error) {
    discoveryProblem = (error as Error).message;
  }
  const [servers, upstreams] = await Promise.all([
    candidates ? discoverLocalServers({ candidates, timeoutMs: discoveryTimeoutMs }) : [],
    Promise.all(config.openaiUpstreams.map(listUpstream)),
  ]);
  const anyModel =
    files.length > 0 ||
    servers.some((server) => server.models.length > 0) ||
    upstreams.some((upstream) => (upstream.models ?? 0) > 0);
  return [
    checkLocalModels(files, config.modelsDir, anyModel),
    checkLocalServers(servers, candidates, discoveryProblem),
    checkUpstreams(upstreams),
  ];
}

function ggufFiles(modelsDir: string): string[] {
  if (!fs.existsSync(modelsDir)) return [];
  return fs
    .readdirSync(modelsDir)
    .filter((file) => file.toLowerCase().endsWith(".gguf"))
    .sort();
}

function checkLocalModels(files: string[], modelsDir: string, anyModel: boolean): CheckResult {
  if (files.length > 0) {
    const shown = files.slice(0, 5).join(", ") + (files.length > 5 ? `, and ${files.length - 5} more` : "");
    return {
      section,
      name: "Local models",
      status: "ok",
      detail: `${files.length} GGUF in ${modelsDir}: ${shown}`,
    };
  }
  const detail = `no GGUF model in ${modelsDir}`;
  if (anyModel) return { section, name: "Local models", status: "info", detail };
  return { section, name: "Local models", status: "warn", detail, fix: howToAddAModel() };
}

function howToAddAModel(): string {
  const pulls = suggestedCatalogModels
    .map((name) => findCatalogModel(name))
    .filter((model) => model !== undefined)
    .map((model) => `\`${pullCommandFor(model)}\` (${model.purpose}, ${formatBytes(model.sizeBytes)})`);
  return [
    `No model anywhere yet. Pull one: ${pulls.join(" or ")}; \`nexus models catalog\` lists more.`,
    "Or start Ollama, Jan, LM Studio, vLLM or a llama.cpp server on this machine: Nexus finds them.",
    `Or point Nexus at a model server: NEXUS_OPENAI_UPSTREAMS='[{"id":"vllm","baseURL":"http://gpu-host:8000/v1"}]' (or add a provider in the web app).`,
  ].join("\n");
}

function checkLocalServers(
  servers: DiscoveredServer[],
  candidates: LocalServerCandidate[] | undefined,
  problem: string | undefined,
): CheckResult {
  const name = "Model servers";
  if (problem) {
    return {
      section,
      name,
      status: "fail",
      detail: problem,
      fix: "Set NEXUS_DISCOVERY_PORTS to <server>=<port> pairs (e.g. ollama=11434,vllm=8001), or to off",
    };
  }
  if (!candidates || candidates.length === 0) {
    return { section, name, status: "info", detail: "discovery is off (NEXUS_DISCOVERY_PORTS=off)" };
  }
  if (servers.length === 0) {
    const where = candidates.map((candidate) => `${localServerKinds[candidate.id].name} :${candidate.port}`);
    return {
      section,
      name,
      status: "info",
      detail: `none found on 127.0.0.1 (looked for ${where.join(", ")})`,
    };
  }
  const found = servers.map((server) => {
    const label = `${server.name}${server.version ? ` ${server.version}` : ""} at ${server.baseURL}`;
    if (server.models.length === 0) return `${label}: no models yet`;
    const shown = server.models.slice(0, 5).join(", ");
    return `${label}: ${shown}${server.models.length > 5 ? `, and ${server.models.length - 5} more` : ""}`;
  });
  return { section, name, status: "ok", detail: found.join("; ") };
}

interface UpstreamListing {
  id: string;
  baseURL: string;
  models?: number;
  problem?: string;
}

async function listUpstream(upstream: Config["openaiUpstreams"][number]): Promise<UpstreamListing> {
  const listing = { id: upstream.id, baseURL: redactUrl(upstream.baseURL) };
  const provider = createOpenAICompatibleProvider(upstream);
  try {
    const models = await provider.listModels(AbortSignal.timeout(upstreamListTimeoutMs));
    return { ...listing, models: models.length };
  } catch (error) {
    return { ...listing, problem: (error as Error).message };
  } finally {
    await provider.close?.();
  }
}

function checkUpstreams(upstreams: UpstreamListing[]): CheckResult {
  const name = "Model upstreams";
  if (upstreams.length === 0)
    return { section, name, status: "info", detail: "NEXUS_OPENAI_UPSTREAMS is not set" };
  const detail = upstreams
    .map((upstream) =>
      upstream.problem
        ? `${upstream.id} → ${upstream.baseURL}: ${upstream.problem}`
        : `${upstream.id} → ${upstream.baseURL} (${upstream.models} model${upstream.models === 1 ? "" : "s"})`,
    )
    .join("; ");
  const failing = upstreams.filter((upstream) => upstream.problem).map((upstream) => upstream.id);
  if (failing.length === 0) return { section, name, status: "ok", detail };
  return {
    section,
    name,
    status: "warn",
    detail,
    fix: `Check that ${failing.join(", ")} ${failing.length === 1 ? "is" : "are"} running and reachable from here, and the baseURL ends in the API version (e.g. /v1)`,
  };
}
