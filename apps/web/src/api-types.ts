import type { CatalogModel as GatewayCatalogModel } from "@nexus/gateway";

/** Response shapes of the Nexus server routes the page uses (see apps/server/src/routes). */

export type Role = "owner" | "admin" | "member";

export interface Workspace {
  id: string;
  slug: string;
  name: string;
  description: string;
  created_at: string;
}

/** `GET /healthz`: the process answers. */
export interface Health {
  status: "ok";
  version: string;
  uptimeSeconds: number;
}

export interface ReadinessCheck {
  ok: boolean;
  /** Which implementation answered, e.g. "sqlite", "in-process", "redis". */
  kind: string;
  error?: string;
}

/** `GET /readyz`: 200 when every check is ok, 503 (same shape) when one fails. */
export interface Readiness {
  status: "ready" | "unavailable";
  checks: Record<string, ReadinessCheck>;
}

/** `GET /api/me`: who the browser is signed in as. */
export interface Me {
  workspace: Workspace;
  role: Role;
  keyId: string | null;
  via: "key" | "session";
}

/** `POST /api/sessions` takes one of the two. */
export type SignInRequest = { key: string } | { loginCode: string };

/** `GET /v1/models`: what the gateway can route to for this workspace. */
export interface ModelList {
  data: Array<{ id: string; owned_by: string }>;
}

/** A local model server found on the Nexus machine (Ollama, Jan, LM Studio, vLLM, llama.cpp). */
export interface DiscoveredServer {
  id: "ollama" | "jan" | "lmstudio" | "vllm" | "llamacpp";
  name: string;
  baseURL: string;
  models: string[];
  version?: string;
}

/** `GET` and `POST /api/gateway/discovery`: the last probe's finds. */
export interface Discovery {
  data: DiscoveredServer[];
  checkedAt: string;
}

/** A catalog entry as the gateway describes it (a type-only import: no gateway code in the page). */
export interface CatalogModel extends GatewayCatalogModel {
  /** The shell command that downloads it, e.g. `nexus models pull qwen2.5-0.5b-instruct`. */
  pullCommand: string;
}

/** `GET /api/gateway/catalog`: small GGUF models, and the names to offer first. */
export interface Catalog {
  data: CatalogModel[];
  suggested: string[];
}

/** `POST /api/gateway/providers` takes this. */
export interface NewProvider {
  id: string;
  kind: "openai-compatible" | "anthropic";
  baseURL: string;
  apiKey?: string;
}
