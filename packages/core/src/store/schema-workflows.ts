/** Tables of packages/workflows (issue 6, migration 0009); part of `Database` in schema.ts. */
export interface WorkflowTables {
  workflows: WorkflowTable;
  workflow_versions: WorkflowVersionTable;
  workflow_runs: WorkflowRunTable;
  workflow_node_runs: WorkflowNodeRunTable;
  workflow_conversations: WorkflowConversationTable;
  workflow_messages: WorkflowMessageTable;
  workflow_app_keys: WorkflowAppKeyTable;
  workflow_triggers: WorkflowTriggerTable;
  workflow_mcp_servers: WorkflowMcpServerTable;
}

/** An MCP server of a workspace, found by tool and agent nodes by `provider_id` (migration 0014). */
export interface WorkflowMcpServerTable {
  id: string;
  workspace_id: string;
  /** The identifier DSL nodes name it by; unique in the workspace. */
  provider_id: string;
  /** http(s) endpoint, Streamable HTTP or the older HTTP+SSE protocol. */
  url: string;
  /** JSON of the headers sent with every request, sealed with the instance's secret key; never the headers themselves. */
  headers_ciphertext: string | null;
  /** JSON array of the header names (not secret), so the API can say which are set. */
  header_names: string;
  created_at: string;
}

/** What starts a workflow besides the API (migration 0012). */
export interface WorkflowTriggerTable {
  id: string;
  workspace_id: string;
  workflow_id: string;
  /** api, webhook, cron or event. */
  kind: string;
  /** JSON: `{ cron, inputs }`, `{ topic, inputs }`, `{ method, path, inputs }` or `{ inputs }`. */
  config: string;
  /** webhook: SHA-256 of the secret in its URL. */
  token_hash: string | null;
  /** api: the route's shape, `POST /orders/:` (migration 0018); unique in the workspace. */
  route: string | null;
  created_at: string;
}

/** A workflow (Dify app of mode workflow or advanced-chat) and its current definition. */
export interface WorkflowTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  mode: string;
  /** Increases with every saved graph; each version's definition is in workflow_versions. */
  version: number;
  /** The WorkflowDefinition as JSON (graph, variables, features). */
  definition: string;
  created_at: string;
  updated_at: string;
}

export interface WorkflowVersionTable {
  workflow_id: string;
  version: number;
  definition: string;
  created_at: string;
}

export interface WorkflowRunTable {
  id: string;
  workspace_id: string;
  workflow_id: string;
  workflow_version: number;
  /** running, succeeded, failed, partial-succeeded, stopped. */
  status: string;
  inputs: string;
  outputs: string | null;
  error: string | null;
  query: string | null;
  conversation_id: string | null;
  /** Who asked (Dify's `user`), for the app API. */
  end_user: string | null;
  /** api, app, cli, webhook… */
  triggered_from: string;
  total_steps: number;
  total_tokens: number;
  elapsed_ms: number | null;
  created_at: string;
  finished_at: string | null;
  /** The process running it (migration 0012); another may take over once `heartbeat_at` is stale. */
  runner_id: string | null;
  heartbeat_at: string | null;
}

/** One node execution of a run, written as the node finishes. */
export interface WorkflowNodeRunTable {
  id: string;
  run_id: string;
  workspace_id: string;
  node_id: string;
  node_type: string;
  title: string;
  step_index: number;
  /** succeeded, failed, exception, stopped. */
  status: string;
  inputs: string;
  outputs: string;
  error: string | null;
  tokens: number;
  retries: number;
  /** The iteration or loop this execution ran inside, and which round. */
  container_id: string | null;
  round: number | null;
  started_at: string;
  finished_at: string;
  elapsed_ms: number;
  /** The edge handle the node chose (migration 0012), to resume after it. */
  handle: string | null;
  /** E.g. that a side-effecting node ran again after an interruption. */
  note: string | null;
}

/** An advanced-chat conversation: its conversation variables between turns. */
export interface WorkflowConversationTable {
  id: string;
  workspace_id: string;
  workflow_id: string;
  end_user: string | null;
  variables: string;
  created_at: string;
  updated_at: string;
}

export interface WorkflowMessageTable {
  id: string;
  conversation_id: string;
  workspace_id: string;
  run_id: string;
  query: string;
  answer: string;
  created_at: string;
}

/** A published app's API key (`app-…`): only its hash is stored. */
export interface WorkflowAppKeyTable {
  id: string;
  workspace_id: string;
  workflow_id: string;
  key_hash: string;
  key_prefix: string;
  created_at: string;
  revoked_at: string | null;
}
