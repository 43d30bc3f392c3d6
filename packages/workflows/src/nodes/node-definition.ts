import type { Gateway } from "@nexus/gateway";
import type { z } from "zod";
import type { VariablePool } from "../engine/variable-pool.ts";
import type { GraphIndex } from "../graph/graph-index.ts";
import type { GraphNode, NodeData, ValueSelector, WorkflowMode } from "../graph/graph-types.ts";
import type { McpServerDirectory } from "../mcp/mcp-servers.ts";
import type { WorkflowBrowser } from "./browser-node.ts";
import type { KnowledgeRetriever } from "./knowledge-retriever.ts";

/** What a node's run produced. */
export interface NodeResult {
  /** The node's output variables, readable as `[nodeId, name]`. */
  outputs: Record<string, unknown>;
  /** What the node read, for the run history. */
  inputs?: Record<string, unknown>;
  /** For branch nodes: the source handle whose edges are followed; "source" otherwise. */
  handle?: string;
  /** Tokens the node spent on model calls. */
  tokens?: number;
}

/** A message of an advanced-chat conversation, oldest first, for the LLM memory window. */
export interface MemoryMessage {
  role: "user" | "assistant";
  content: string;
}

/** What the engine gives every node of a run. */
export interface RunServices {
  workspaceId: string;
  apiKeyId: string | null;
  mode: WorkflowMode;
  /** Calls models; absent in runs that have no gateway (their LLM nodes fail saying so). */
  gateway?: Gateway;
  /** The model an LLM node without one uses. */
  defaultModel?: string;
  knowledge?: KnowledgeRetriever;
  /** Runs nexus-browser steps (the server's browser service); absent: those nodes fail saying so. */
  browser?: WorkflowBrowser;
  /** The workspace's MCP servers, for tool and agent nodes naming one by identifier. */
  mcpServers?: McpServerDirectory;
  /** Hosts http-request nodes may reach though private (tests allow 127.0.0.1). */
  allowedHosts?: string[];
  /** Earlier turns of the conversation (advanced-chat), oldest first. */
  memory?: MemoryMessage[];
  /** Publishes an event on core.events (emit-event nodes). */
  emitEvent?(topic: string, payload: unknown): Promise<void>;
  /** Pauses until a person answers a human-input node; absent where nobody can answer (CLI). */
  awaitHumanInput?(request: HumanInputRequest): Promise<HumanInputAnswer>;
}

/** What a human-input node asks. */
export interface HumanInputRequest {
  nodeId: string;
  title: string;
  formContent: string;
  fields: Array<{ name: string; type: string; label: string; required: boolean }>;
  actions: Array<{ id: string; title: string }>;
  signal: AbortSignal;
}

export interface HumanInputAnswer {
  /** The action chosen (required when the form has actions). */
  action?: string;
  values: Record<string, unknown>;
}

/** What a node's run sees. */
export interface NodeContext {
  node: GraphNode;
  pool: VariablePool;
  services: RunServices;
  signal: AbortSignal;
  /** How long this node may take (the run's per-node limit); synchronous work must respect it itself. */
  timeoutMs: number;
  /** Streams a piece of an output (an LLM's `text`) to the run's answer before the node ends. */
  emitChunk(output: string, text: string): void;
  /** Runs the sub-graph of a container node (iteration, loop) once, over a child pool. */
  runSubGraph(options: {
    pool: VariablePool;
    signal: AbortSignal;
    round: number;
  }): Promise<{ ok: boolean; error?: string }>;
  /** The graph the node belongs to (for container nodes). */
  index: GraphIndex;
}

/**
 * A node type. Adding one is a file exporting `define…Node()` and a line in registry.ts.
 *
 * @example
 * export const templateTransformNode = defineNode({ type: "template-transform", run: ... });
 */
export interface NodeDefinition {
  /** Dify's `data.type`. */
  type: string;
  /** Why this node's settings cannot run here (an unknown tool provider…); undefined when they can. */
  unsupportedReason?(data: NodeData): string | undefined;
  /** True when the node chooses outgoing edges (`handle`): if-else, question-classifier. */
  branches?: boolean;
  /** Outputs this node streams with emitChunk (an LLM's `text`), so answers can stream them. */
  streamedOutputs?: readonly string[];
  /**
   * True for nodes that act outside the run (HTTP calls, tools, model calls, code): a durable run
   * records that they started, so one interrupted midway and run again says so.
   */
  sideEffects?: boolean;
  /** True for nodes that wait for a person: they get `data.timeout` seconds (default 24 h), not the node limit. */
  waitsForPeople?: boolean;
  /** True for iteration and loop, whose children run inside them. */
  container?: boolean;
  /**
   * The types of the settings in `data` this node reads, checked when a graph is imported or
   * saved (a 400 naming the node and the setting). Lenient: unknown keys pass (Dify DSLs carry
   * many editor fields), optional settings may be null, and only what `run` reads is checked.
   * Issues may carry `params.expected` ("a number") for the message. Absent: nothing is checked.
   */
  dataSchema?: z.ZodType;
  /**
   * The declared types of outputs known before the run, by output name, as the node declares
   * them (a start variable's "text-input", a code output's "array[string]"). Outputs not listed
   * are unknown and not checked.
   */
  outputTypes?(data: NodeData): Record<string, string>;
  /**
   * Settings holding a selector whose value must be a list (an iteration's input): checked at
   * save against the declared type of what they point at.
   */
  listInputs?(data: NodeData): Array<{ setting: string; selector: ValueSelector }>;
  run(context: NodeContext): Promise<NodeResult>;
}

export function defineNode(definition: NodeDefinition): NodeDefinition {
  return definition;
}

/** Node types by `data.type`; version-specific types are separate definitions. */
export interface NodeRegistry {
  get(type: string): NodeDefinition | undefined;
  /** Why a node cannot run here, or undefined. */
  unsupportedReason(data: NodeData): string | undefined;
  types(): string[];
}

/** The selector a Dify setting holds, or undefined when it is empty. */
export function selectorOf(value: unknown): ValueSelector | undefined {
  if (!Array.isArray(value) || value.length < 2) return undefined;
  return value.map(String);
}
