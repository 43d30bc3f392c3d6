import { type Database, NexusError } from "@nexus/core";
import type { Kysely } from "kysely";
import type { ConversationRow } from "../conversations/conversation-access.ts";

/** How a conversation's replies are generated: from its agent, with the conversation's model. */
export interface GenerationSettings {
  /** Any name the gateway routes. */
  model: string;
  /** The agent's system prompt, sent first; empty for none. */
  systemPrompt: string;
  params: { temperature?: number; top_p?: number; max_tokens?: number; seed?: number };
  /** Built-in tool names the agent offers. */
  tools: string[];
  /** Hosts the agent's `fetch_page` may read, besides the instance's list (`params.fetchAllowedHosts`). */
  fetchAllowedHosts: string[];
  /** The agent's knowledge bases (ids or names): its replies are grounded in them. */
  knowledgeBases: string[];
}

/**
 * The settings for the next reply in `conversation`. The conversation's model wins over its
 * agent's; an agent that was deleted leaves the model alone. Throws a 400 when there is no model.
 */
export async function loadGenerationSettings(
  db: Kysely<Database>,
  conversation: Pick<ConversationRow, "id" | "workspace_id" | "agent_id" | "model">,
): Promise<GenerationSettings> {
  const agent = conversation.agent_id
    ? await db
        .selectFrom("chat_agents")
        .select(["model", "system_prompt", "params", "tools", "knowledge_bases"])
        .where("id", "=", conversation.agent_id)
        .where("workspace_id", "=", conversation.workspace_id)
        .executeTakeFirst()
    : undefined;
  const model = conversation.model || agent?.model || "";
  if (model === "") {
    throw new NexusError(
      "invalid_request",
      `Conversation '${conversation.id}' has no model: set one with PATCH /api/conversations/${conversation.id}`,
      { param: "model" },
    );
  }
  const params = objectOf(agent?.params);
  return {
    model,
    systemPrompt: agent?.system_prompt ?? "",
    params: {
      ...numberField(params, "temperature"),
      ...numberField(params, "top_p"),
      ...numberField(params, "max_tokens"),
      ...numberField(params, "seed"),
    },
    tools: stringsOf(agent?.tools),
    fetchAllowedHosts: stringsOf(params.fetchAllowedHosts),
    knowledgeBases: stringsOf(agent?.knowledge_bases),
  };
}

function objectOf(text: string | undefined): Record<string, unknown> {
  try {
    const value = JSON.parse(text ?? "{}");
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

function stringsOf(value: unknown): string[] {
  let list = value;
  if (typeof value === "string") {
    try {
      list = JSON.parse(value);
    } catch {
      return [];
    }
  }
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === "string") : [];
}

function numberField<Name extends string>(params: Record<string, unknown>, name: Name) {
  const value = params[name];
  return typeof value === "number" && Number.isFinite(value)
    ? ({ [name]: value } as Record<Name, number>)
    : {};
}
