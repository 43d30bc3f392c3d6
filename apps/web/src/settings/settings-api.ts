import type { SiteTokenInfo } from "@nexus/chat";
import { requestJson } from "../api-client.ts";
import type { NewProvider, Role } from "../api-types.ts";

/** `GET /api/keys` rows (never the key itself). */
export interface ApiKeyInfo {
  id: string;
  workspace_id: string;
  name: string;
  role: Role;
  key_prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface ProviderRow {
  id: string;
  kind: string;
  scope: "instance" | "workspace";
  baseURL?: string;
  hasApiKey?: boolean;
}

export interface AliasDeployment {
  provider: string;
  model: string;
  weight?: number;
}

export interface AliasRow {
  name: string;
  description: string;
  strategy: "weighted" | "least-outstanding" | "lowest-latency" | "prefix-affinity";
  deployments: AliasDeployment[];
  retries?: number;
}

/** `GET /api/widget/tokens` rows (never the token itself): the chat package's own type, type-only. */
export type { SiteTokenInfo };

export interface NewSiteToken {
  agentId: string;
  name?: string;
  allowedOrigins: string[];
  requestsPerMinute: number;
  visitorRequestsPerMinute: number;
  theme: { primaryColor: string; position: "left" | "right" };
}

const encode = encodeURIComponent;

/** The settings routes: `/api/keys` and `/api/gateway`. */
export const settingsApi = {
  keys: () => requestJson<{ data: ApiKeyInfo[] }>("/api/keys"),
  createKey: (body: { name?: string; role: Role }) =>
    requestJson<ApiKeyInfo & { key: string }>("/api/keys", { method: "POST", body }),
  revokeKey: (id: string) => requestJson<ApiKeyInfo>(`/api/keys/${encode(id)}`, { method: "DELETE" }),
  providers: () => requestJson<{ data: ProviderRow[] }>("/api/gateway/providers"),
  addProvider: (provider: NewProvider) =>
    requestJson<ProviderRow>("/api/gateway/providers", { method: "POST", body: provider }),
  deleteProvider: (id: string) =>
    requestJson<void>(`/api/gateway/providers/${encode(id)}`, { method: "DELETE" }),
  aliases: () => requestJson<{ data: AliasRow[] }>("/api/gateway/aliases"),
  putAlias: ({ name, ...alias }: AliasRow) =>
    requestJson<AliasRow>(`/api/gateway/aliases/${encode(name)}`, { method: "PUT", body: alias }),
  siteTokens: () => requestJson<{ data: SiteTokenInfo[] }>("/api/widget/tokens"),
  createSiteToken: (body: NewSiteToken) =>
    requestJson<SiteTokenInfo & { token: string }>("/api/widget/tokens", { method: "POST", body }),
  revokeSiteToken: (id: string) =>
    requestJson<SiteTokenInfo>(`/api/widget/tokens/${encode(id)}`, { method: "DELETE" }),
  deleteAlias: (name: string) =>
    requestJson<void>(`/api/gateway/aliases/${encode(name)}`, { method: "DELETE" }),
};
