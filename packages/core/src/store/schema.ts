import type { BrowserTables } from "./schema-browser.ts";
import type { KnowledgeTables } from "./schema-knowledge.ts";
import type { WorkflowTables } from "./schema-workflows.ts";

/**
 * Table shapes shared by SQLite and PostgreSQL. Timestamps are ISO-8601 UTC strings in both
 * databases so rows read the same whichever store is behind them.
 */
export interface WorkspaceTable {
  id: string;
  slug: string;
  name: string;
  description: string;
  created_at: string;
}

export type Role = "owner" | "admin" | "member";

export interface ApiKeyTable {
  id: string;
  workspace_id: string;
  name: string;
  role: Role;
  /** SHA-256 of the whole key, hex. The key itself is never stored. */
  key_hash: string;
  /** First characters of the key, shown in listings so people can tell keys apart. */
  key_prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface WebSessionTable {
  /** SHA-256 of the session token held in the browser's cookie. */
  id: string;
  workspace_id: string;
  role: Role;
  /** The key the session signed in with; revoking the key ends the session. Null for a login link. */
  api_key_id: string | null;
  created_at: string;
  expires_at: string;
}

/**
 * One background job of the local queue (core.queue). Times here are epoch milliseconds, not ISO
 * strings, because the queue compares them in SQL on every poll.
 */
export interface JobTable {
  /** Unique within its queue: generated, or the caller's `jobId`. */
  id: string;
  queue: string;
  name: string;
  /** The job's data as JSON. */
  data: string;
  /** A waiting job whose `run_at` is still ahead is reported as `delayed`. */
  status: "waiting" | "active" | "completed" | "failed";
  /** Tries started, including one running now. */
  attempts_made: number;
  /** Tries that ended with the handler throwing; retries stop when this reaches `max_attempts`. */
  failures: number;
  /** Tries whose worker vanished (its lease expired); recovery stops at the queue's `maxStalls`. */
  stalls: number;
  max_attempts: number;
  /** `JobOptions.backoff` as JSON. */
  backoff: string | null;
  /** Earliest time the job may be claimed. */
  run_at: number;
  /** While active: the lease; a job whose lease has passed is taken again by any worker. */
  locked_until: number | null;
  /** While active: the claim's token; only the holder may extend, finish or release the job. */
  locked_by: string | null;
  /** The handler's return value as JSON; null when it returned nothing. */
  result: string | null;
  /** Message of the last error the handler threw. */
  error: string | null;
  created_at: number;
  finished_at: number | null;
}

/** A repeatable job of the local queue: `name` is enqueued on `queue` at each cron tick. */
export interface JobScheduleTable {
  queue: string;
  name: string;
  cron: string;
  /** Data for each enqueued job, as JSON. */
  data: string;
  /** The next tick (epoch milliseconds); firing a tick moves it on with a conditional update. */
  next_run_at: number;
}

/** A gateway limit rule (packages/gateway limitsSchema as JSON): the workspace's, or one key's. */
export interface GatewayLimitsTable {
  workspace_id: string;
  /** The key the rule applies to; '' for the workspace-wide rule. */
  api_key_id: string;
  limits: string;
  updated_at: string;
}

/** Tokens spent against a token budget in one UTC period, so a restart keeps the spend. */
export interface GatewayBudgetSpendTable {
  workspace_id: string;
  /** The key whose budget this is; '' for the workspace's budget. */
  api_key_id: string;
  /** `YYYY-MM-DD` for a daily budget, `YYYY-MM` for a monthly one. */
  period: string;
  tokens: number;
  updated_at: string;
}

/** One gateway request: who, which route, how it went, tokens, latency and cost. */
export interface GatewayUsageTable {
  id: string;
  workspace_id: string;
  api_key_id: string | null;
  request_id: string | null;
  /** The alias (or resolved model name) the request was routed by; never free client text. */
  alias: string;
  deployment: string | null;
  provider: string | null;
  /** The upstream's model id. */
  model: string | null;
  endpoint: "chat" | "embeddings" | "messages" | "rerank";
  /** 1 for a streamed response, else 0. */
  stream: number;
  cache: "miss" | "exact" | "semantic" | "none";
  /** HTTP status given to the client. */
  status: number;
  error_type: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  /** Time to the first streamed token; null when not streamed or it never came. */
  ttft_ms: number | null;
  duration_ms: number;
  /** Dollars; null when the deployment has no prices. */
  cost: number | null;
  created_at: string;
}

/** A model provider a workspace added (its own vLLM, Ollama, OpenAI or Anthropic account). */
export interface GatewayProviderTable {
  workspace_id: string;
  id: string;
  kind: string;
  base_url: string;
  /** The provider's API key sealed with the instance's secret key (AES-256-GCM); never the key itself. */
  api_key_ciphertext: string | null;
  /** Extra request headers as a JSON object. */
  headers: string;
  created_at: string;
  updated_at: string;
}

/** A model alias of a workspace: its whole configuration (packages/gateway aliasSchema) as JSON. */
export interface GatewayAliasTable {
  workspace_id: string;
  name: string;
  config: string;
  created_at: string;
  updated_at: string;
}

/**
 * A cached model answer of the gateway: one per workspace and request key. Times are epoch
 * milliseconds because every lookup compares them in SQL.
 */
export interface GatewayResponseCacheTable {
  workspace_id: string;
  /** SHA-256 (hex) of the canonical request: model, messages and every generation parameter. */
  cache_key: string;
  /** SHA-256 (hex) of the request less its last user text; semantic matches stay within one scope. */
  scope_key: string;
  /** The model the client asked for (its alias or public name). */
  model: string;
  /** The ChatCompletion as JSON. */
  response: string;
  /** Embedding of the last user text as base64 little-endian float32s; null when not semantic. */
  embedding: string | null;
  embedding_model: string | null;
  /** Answers served from this row. */
  hits: number;
  created_at: number;
  expires_at: number;
}

/** A chat agent: persona, model and tools a conversation can be started with. JSON columns are text. */
export interface ChatAgentTable {
  id: string;
  workspace_id: string;
  name: string;
  /** An emoji or an image URL (data: or https:). */
  avatar: string;
  description: string;
  system_prompt: string;
  /** Any name the gateway routes (an alias, `<provider>/<model>`). */
  model: string;
  /** Generation parameters (temperature, top_p, max_tokens …) as JSON. */
  params: string;
  opening_message: string;
  /** JSON array of strings. */
  suggested_questions: string;
  /** JSON array of tool names (`calculator`, `current_time`, `fetch_page` …). */
  tools: string;
  /** JSON array of knowledge base ids. */
  knowledge_bases: string;
  created_at: string;
  updated_at: string;
}

export interface ChatConversationTable {
  id: string;
  workspace_id: string;
  /** Whose conversation: the API key id of the caller (or of the key a web session signed in with), else `workspace`. */
  owner_id: string;
  agent_id: string | null;
  title: string;
  /** The model used when the conversation has no agent, or overriding the agent's. */
  model: string;
  folder: string | null;
  /** 0 or 1. */
  pinned: number;
  /** The message at the end of the branch being shown; the branch is its chain of parents. */
  active_leaf_id: string | null;
  created_at: string;
  updated_at: string;
}

/** One node of a conversation's message tree: edits and regenerations are siblings under one parent. */
export interface ChatMessageTable {
  id: string;
  conversation_id: string;
  workspace_id: string;
  /** Null for the first message of the conversation. */
  parent_id: string | null;
  role: "system" | "user" | "assistant" | "tool";
  /** The text (for an assistant message being generated, what has been generated so far). */
  content: string;
  /** JSON array: attachments (images, text files), tool calls and tool results. */
  parts: string;
  status: "complete" | "generating" | "stopped" | "failed";
  error: string | null;
  model: string | null;
  /** Token usage as JSON (`{ promptTokens, completionTokens }`). */
  usage: string | null;
  created_at: string;
  updated_at: string;
}

/** Thumbs and a comment on a message, kept for fine-tuning datasets. */
export interface ChatFeedbackTable {
  message_id: string;
  workspace_id: string;
  rating: "up" | "down" | null;
  comment: string;
  created_at: string;
  updated_at: string;
}

export interface Database extends WorkflowTables, KnowledgeTables, BrowserTables {
  workspaces: WorkspaceTable;
  api_keys: ApiKeyTable;
  web_sessions: WebSessionTable;
  jobs: JobTable;
  job_schedules: JobScheduleTable;
  gateway_response_cache: GatewayResponseCacheTable;
  gateway_providers: GatewayProviderTable;
  gateway_aliases: GatewayAliasTable;
  gateway_limits: GatewayLimitsTable;
  gateway_budget_spend: GatewayBudgetSpendTable;
  gateway_usage: GatewayUsageTable;
  chat_agents: ChatAgentTable;
  chat_conversations: ChatConversationTable;
  chat_messages: ChatMessageTable;
  chat_feedback: ChatFeedbackTable;
  chat_site_tokens: ChatSiteTokenTable;
}

/** A publishable token of the embeddable chat widget, bound to one agent (migration 0008). */
export interface ChatSiteTokenTable {
  id: string;
  workspace_id: string;
  agent_id: string;
  /** A label for people telling tokens apart. */
  name: string;
  /** SHA-256 of the whole token, hex. The token itself is never stored. */
  token_hash: string;
  /** First characters of the token, shown in listings. */
  token_prefix: string;
  /** JSON array of origins (`https://example.com`) allowed to use the token; empty: any. */
  allowed_origins: string;
  requests_per_minute: number;
  /** The limit of one visitor (one browser) of a site. */
  visitor_requests_per_minute: number;
  /** JSON: { primaryColor, title, position: "left" | "right", greeting }. */
  theme: string;
  created_at: string;
  revoked_at: string | null;
}
