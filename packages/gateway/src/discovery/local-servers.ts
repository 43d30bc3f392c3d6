import { z } from "zod";
import { getJson } from "./probe-http.ts";

/** The local model servers Nexus looks for without being told. */
export const localServerIds = ["ollama", "jan", "lmstudio", "vllm", "llamacpp"] as const;
export type LocalServerId = (typeof localServerIds)[number];

/** Where to look for one kind of server. */
export interface LocalServerCandidate {
  id: LocalServerId;
  port: number;
}

/** A server that answered with an OpenAI model list. */
export interface DiscoveredServer {
  id: LocalServerId;
  /** For people, e.g. "Ollama", "LM Studio". */
  name: string;
  /** The OpenAI-compatible base URL, ending in `/v1`, as `createOpenAICompatibleProvider` takes it. */
  baseURL: string;
  /** Model ids from its `GET /v1/models`, in the order it listed them. */
  models: string[];
  /** The server's own version, when it tells it cheaply. */
  version?: string;
}

export interface DiscoverOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: every kind on its usual port (`defaultLocalServerCandidates`). */
  candidates?: readonly LocalServerCandidate[];
  /** Per server, connect and answer included. Default 300 ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface ServerKind {
  name: string;
  defaultPort: number;
  /** Reads the version from the server's own endpoint; absent where there is none worth a request. */
  version?: { path: string; read(body: unknown): string | undefined };
}

const versionField = z.object({ version: z.string().min(1) });
const readVersionField = (body: unknown) => versionField.safeParse(body).data?.version;

export const localServerKinds: Record<LocalServerId, ServerKind> = {
  ollama: { name: "Ollama", defaultPort: 11434, version: { path: "/api/version", read: readVersionField } },
  jan: { name: "Jan", defaultPort: 1337 },
  lmstudio: { name: "LM Studio", defaultPort: 1234 },
  vllm: { name: "vLLM", defaultPort: 8000, version: { path: "/version", read: readVersionField } },
  llamacpp: {
    name: "llama.cpp server",
    defaultPort: 8080,
    version: {
      path: "/props",
      read: (body) => z.object({ build_info: z.string().min(1) }).safeParse(body).data?.build_info,
    },
  },
};

export const defaultLocalServerCandidates: readonly LocalServerCandidate[] = localServerIds.map((id) => ({
  id,
  port: localServerKinds[id].defaultPort,
}));

// Lenient: only what identifies an OpenAI model list.
const modelListSchema = z.object({ data: z.array(z.object({ id: z.string().min(1) })) });

/**
 * Probes the usual local model servers (Ollama :11434, Jan :1337, LM Studio :1234, vLLM :8000,
 * llama.cpp server :8080) in parallel and returns those answering `GET /v1/models` with an OpenAI
 * model list, in candidate order. A closed port, a timeout or a port speaking anything else is
 * left out; this never throws.
 *
 * @example
 * const servers = await discoverLocalServers();
 * // [{ id: "ollama", name: "Ollama", baseURL: "http://127.0.0.1:11434/v1", models: ["llama3.2"], version: "0.5.7" }]
 */
export async function discoverLocalServers(options: DiscoverOptions = {}): Promise<DiscoveredServer[]> {
  const host = options.host ?? "127.0.0.1";
  const candidates = options.candidates ?? defaultLocalServerCandidates;
  const timeoutMs = options.timeoutMs ?? 300;
  const found = await Promise.all(
    candidates.map((candidate) => probe(host, candidate, timeoutMs, options.signal)),
  );
  return found.filter((server) => server !== undefined);
}

async function probe(
  host: string,
  candidate: LocalServerCandidate,
  timeoutMs: number,
  outerSignal: AbortSignal | undefined,
): Promise<DiscoveredServer | undefined> {
  const kind = localServerKinds[candidate.id];
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${candidate.port}`;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = outerSignal ? AbortSignal.any([outerSignal, timeout]) : timeout;
  // Both at once, so the version costs no extra time.
  const [models, version] = await Promise.all([
    getJson(`${origin}/v1/models`, signal).then(
      (body) => modelListSchema.safeParse(body).data?.data.map((model) => model.id),
      () => undefined,
    ),
    kind.version
      ? getJson(`${origin}${kind.version.path}`, signal).then(kind.version.read, () => undefined)
      : undefined,
  ]);
  if (!models) return undefined;
  return {
    id: candidate.id,
    name: kind.name,
    baseURL: `${origin}/v1`,
    models,
    ...(version ? { version } : {}),
  };
}

/**
 * Reads `NEXUS_DISCOVERY_PORTS`: `off` (or `none`) probes nothing; `ollama=11434,vllm=8001` probes
 * exactly those. Unset or empty means the usual ports. Throws an Error saying what is wrong.
 *
 * @example
 * parseDiscoveryPorts("vllm=8001,ollama=11434"); // [{ id: "vllm", port: 8001 }, { id: "ollama", port: 11434 }]
 */
export function parseDiscoveryPorts(value: string | undefined): LocalServerCandidate[] {
  const text = value?.trim() ?? "";
  if (text === "") return [...defaultLocalServerCandidates];
  if (text === "off" || text === "none") return [];
  const candidates: LocalServerCandidate[] = [];
  for (const entry of text.split(",").map((part) => part.trim())) {
    const match = /^([a-z.]+)=(\d{1,5})$/.exec(entry);
    const id = match?.[1] as LocalServerId | undefined;
    const port = Number(match?.[2]);
    if (!id || !localServerIds.includes(id) || !(port >= 1 && port <= 65535)) {
      throw new Error(
        `NEXUS_DISCOVERY_PORTS: '${entry}' is not <server>=<port> with <server> one of ${localServerIds.join(", ")} and a port 1-65535 (or set it to 'off')`,
      );
    }
    if (candidates.some((candidate) => candidate.id === id)) {
      throw new Error(`NEXUS_DISCOVERY_PORTS: '${id}' is listed twice`);
    }
    candidates.push({ id, port });
  }
  return candidates;
}
