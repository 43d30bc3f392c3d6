import { NexusError } from "@nexus/core";
import {
  type ChatCompletionRequest,
  type ChatMessage,
  type Gateway,
  ProviderError,
  type RequestContext,
} from "@nexus/gateway";
import { groundingFor, type KnowledgeSearch } from "../knowledge/knowledge-grounding.ts";
import type { ChatTool } from "../tools/chat-tool.ts";
import { runToolCall } from "../tools/run-tool-call.ts";
import type { GenerationError } from "./generation-events.ts";
import type { GenerationRun } from "./generation-run.ts";
import type { GenerationSettings } from "./generation-settings.ts";
import type { MessageWriter } from "./message-writer.ts";
import { streamRound } from "./stream-round.ts";

/** Model calls per reply: tool rounds, then one last call where tools may not be called. */
export const maxModelCalls = 5;

export interface GenerationPlan {
  model: string;
  params: GenerationSettings["params"];
  /** The conversation so far, as the model sees it. */
  prompt: ChatMessage[];
  /** The tools the agent offers, by name. */
  tools: Readonly<Record<string, ChatTool>>;
  fetchAllowedHosts: readonly string[];
  /** Knowledge bases to ground the reply in, searched with the last user message. */
  knowledgeBases: readonly string[];
}

export interface GenerationDependencies {
  gateway: Pick<Gateway, "stream">;
  writer: MessageWriter;
  /** Whose call this is, for limits and usage; the signal is the run's own. */
  context: Omit<RequestContext, "signal">;
  now(): Date;
  /** Searches knowledge bases; absent when the server has none (an agent with some then fails clearly). */
  knowledge?: KnowledgeSearch;
  /** Told of failures that are not the model's (their details stay out of the message). */
  onUnexpectedError(error: unknown): void;
}

/**
 * Generates one reply into `run`: streams the model's text, runs the tools it calls and calls it
 * again with their results, until it answers without tool calls or `maxModelCalls` is reached.
 * Never throws: a failure or a stop is the run's final status. Stores the final state, then
 * announces `done`.
 */
export async function runGeneration(
  run: GenerationRun,
  plan: GenerationPlan,
  dependencies: GenerationDependencies,
): Promise<void> {
  const { gateway, writer } = dependencies;
  const signal = run.controller.signal;
  const context: RequestContext = { ...dependencies.context, signal };
  const offered = Object.values(plan.tools).map((tool) => ({
    type: "function" as const,
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
  const messages = [...plan.prompt];
  try {
    if (plan.knowledgeBases.length > 0) {
      const grounding = await groundReply(plan, dependencies);
      signal.throwIfAborted();
      if (grounding) {
        run.addPart(grounding.part);
        writer.changed();
        // Just before the question, so the passages are fresh when the model reads it.
        messages.splice(Math.max(messages.length - 1, 0), 0, grounding.message);
      }
    }
    for (let call = 1; ; call++) {
      const last = call >= maxModelCalls;
      const request: ChatCompletionRequest = {
        model: plan.model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
        ...plan.params,
        ...(offered.length > 0 ? { tools: offered, ...(last ? { tool_choice: "none" as const } : {}) } : {}),
      };
      let roundText = "";
      const result = await streamRound(gateway.stream(request, context), (text) => {
        // Text after a tool round starts a new paragraph of the same reply.
        const separator = roundText === "" && call > 1 && run.content !== "" ? "\n\n" : "";
        roundText += text;
        run.appendText(separator + text);
        writer.changed();
      });
      run.addUsage(result.usage);
      if (result.toolCalls.length === 0 || last) break;
      messages.push({
        role: "assistant",
        content: roundText === "" ? null : roundText,
        tool_calls: result.toolCalls.map((toolCall) => ({
          id: toolCall.id,
          type: "function" as const,
          function: { name: toolCall.name, arguments: toolCall.arguments },
        })),
      });
      for (const toolCall of result.toolCalls) {
        run.addPart({ type: "tool_call", ...toolCall });
        writer.changed();
        const outcome = await runToolCall(plan.tools, toolCall, {
          signal,
          fetchAllowedHosts: plan.fetchAllowedHosts,
          now: dependencies.now,
        });
        signal.throwIfAborted();
        run.addPart({
          type: "tool_result",
          toolCallId: toolCall.id,
          name: toolCall.name,
          content: outcome.content,
          ...(outcome.isError ? { isError: true } : {}),
        });
        writer.changed();
        messages.push({ role: "tool", tool_call_id: toolCall.id, content: outcome.content });
      }
    }
    run.finish(signal.aborted ? "stopped" : "complete", null);
  } catch (error) {
    if (signal.aborted) run.finish("stopped", null);
    else run.finish("failed", generationErrorOf(error, dependencies.onUnexpectedError));
  }
  await writer.finish();
  run.announceDone();
}

async function groundReply(plan: GenerationPlan, dependencies: GenerationDependencies) {
  if (!dependencies.knowledge) {
    throw new NexusError("service_unavailable", "This agent uses knowledge bases, but this server has none");
  }
  const last = plan.prompt.at(-1);
  const query =
    last?.role !== "user"
      ? ""
      : typeof last.content === "string"
        ? last.content
        : (last.content ?? []).flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
  return groundingFor(dependencies.knowledge, {
    workspaceId: dependencies.context.workspaceId,
    knowledgeBaseIds: [...plan.knowledgeBases],
    query,
  });
}

function generationErrorOf(error: unknown, onUnexpectedError: (error: unknown) => void): GenerationError {
  if (error instanceof ProviderError) {
    const { type, retryAfterSeconds } = error.options;
    return {
      type,
      message: error.message,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    };
  }
  if (error instanceof NexusError) return { type: error.type, message: error.message };
  onUnexpectedError(error);
  return { type: "internal_error", message: "The reply failed unexpectedly; details are in the server log" };
}
