import type { Database, EventBus, Queue } from "@nexus/core";
import type { Gateway } from "@nexus/gateway";
import type { Kysely } from "kysely";
import type { RunLimits } from "../engine/run-state.ts";
import type { McpServerDirectory } from "../mcp/mcp-servers.ts";
import type { WorkflowBrowser } from "../nodes/browser-node.ts";
import type { KnowledgeRetriever } from "../nodes/knowledge-retriever.ts";
import type { NodeRegistry } from "../nodes/node-definition.ts";

export interface WorkflowServiceOptions {
  db: Kysely<Database>;
  gateway?: Gateway;
  knowledge?: KnowledgeRetriever;
  /** Runs nexus-browser nodes; the sessions a run opens are closed when it ends. */
  browser?: WorkflowBrowser;
  /** The workspaces' MCP servers, for tool and agent nodes naming one by `provider_id`. */
  mcpServers?: McpServerDirectory;
  registry?: NodeRegistry;
  /** Private hosts http-request nodes may call (tests: 127.0.0.1). */
  allowedHosts?: string[];
  defaultModel?: string;
  limits?: Partial<RunLimits>;
  /**
   * A run still going after this long is written (row, then each node as it finishes); one that
   * ends sooner is written once at its end. Default 20 ms; 0 writes every run from its start.
   */
  recordAfterMs?: number;
  /**
   * Runs go to workers through this queue (BullMQ when Redis is configured) and their events
   * come back over this bus; without it runs execute in this process.
   */
  dispatch?: { queue: Queue; events: EventBus };
  /** Where emit-event nodes publish (and the event triggers listen). */
  events?: EventBus;
  /** How often this process says it still runs its runs; default 10 s. */
  heartbeatMs?: number;
  /** How long without a heartbeat before another process takes a run over; default 60 s. */
  staleAfterMs?: number;
  /**
   * How long an answer or a stop sent to the process holding a run elsewhere (over a Redis event
   * bus, from another replica) waits for its reply; default 3 s.
   */
  remoteWaitMs?: number;
  /** How long a finished run's events stay replayable in memory; default 60 s. */
  replayRetentionMs?: number;
  onError?: (error: unknown, context: string) => void;
}

export interface StartRunRequest {
  inputs: Record<string, unknown>;
  query?: string;
  conversationId?: string;
  user?: string;
  files?: unknown[];
  triggeredFrom: string;
  apiKeyId: string | null;
  /** Run this version instead of the current one. */
  version?: number;
}

/** The bus emit-event nodes publish on: the configured one, else the dispatch bus. */
export function eventBusOf(options: WorkflowServiceOptions): EventBus | undefined {
  return options.events ?? options.dispatch?.events;
}
