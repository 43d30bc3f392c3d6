import fs from "node:fs";
import { type Database, invalidRequest, type Logger } from "@nexus/core";
import type { Gateway } from "@nexus/gateway";
import type { Kysely } from "kysely";
import type { ConversationRow } from "../conversations/conversation-access.ts";
import { branchOf, buildTree, latestLeafUnder } from "../conversations/message-tree.ts";
import { loadGenerationSettings } from "./generation-settings.ts";

const titlePrompt = fs.readFileSync(new URL("./title-prompt.txt", import.meta.url), "utf8").trim();
const maxTitleCharacters = 80;
const excerptCharacters = 2_000;

export interface TitleDependencies {
  db: Kysely<Database>;
  gateway: Pick<Gateway, "generate">;
  logger?: Pick<Logger, "info">;
  /** How long the model may take. Default 20 s. */
  timeoutMs?: number;
}

/**
 * Names a conversation from its first exchange (the first user message of the active branch
 * and the reply to it) with the conversation's model, and stores the title. When the model fails
 * or answers nothing usable, the first words of the first message are the title.
 */
export async function writeConversationTitle(
  { db, gateway, logger, timeoutMs = 20_000 }: TitleDependencies,
  input: { conversation: ConversationRow; caller: { apiKeyId: string | null; requestId?: string } },
): Promise<string> {
  const { conversation } = input;
  const rows = await db
    .selectFrom("chat_messages")
    .select(["id", "parent_id", "created_at", "role", "content", "parts"])
    .where("conversation_id", "=", conversation.id)
    .execute();
  const tree = buildTree(rows);
  const root = tree.children.get(null)?.[0];
  const leaf = conversation.active_leaf_id ?? (root ? latestLeafUnder(tree, root.id) : null);
  const branch = branchOf(tree, leaf);
  const question = branch.find((message) => message.role === "user");
  if (!question) throw invalidRequest("The conversation has no message to name it after yet");
  const answer = branch.slice(branch.indexOf(question)).find((message) => message.role === "assistant");

  let title = "";
  try {
    const settings = await loadGenerationSettings(db, conversation);
    const exchange = [`User: ${question.content.slice(0, excerptCharacters)}`];
    if (answer?.content) exchange.push(`Assistant: ${answer.content.slice(0, excerptCharacters)}`);
    const completion = await gateway.generate(
      {
        model: settings.model,
        messages: [
          { role: "system", content: titlePrompt },
          { role: "user", content: exchange.join("\n\n") },
        ],
        max_tokens: 24,
        temperature: 0.2,
      },
      {
        workspaceId: conversation.workspace_id,
        apiKeyId: input.caller.apiKeyId,
        requestId: input.caller.requestId,
        signal: AbortSignal.timeout(timeoutMs),
      },
    );
    title = cleanTitle(completion.choices[0]?.message.content ?? "");
  } catch (error) {
    logger?.info({ err: error, conversationId: conversation.id }, "the model could not title a conversation");
  }
  if (title === "") title = firstWords(question.content) || "New conversation";
  await db
    .updateTable("chat_conversations")
    .set({ title, updated_at: new Date().toISOString() })
    .where("id", "=", conversation.id)
    .execute();
  return title;
}

/** The model's answer as a title: its first line, without quotes, a `Title:` label or end punctuation. */
export function cleanTitle(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  const cleaned = line
    .replace(/^(title|titre|titel)\s*:\s*/i, "")
    .replace(/^[\s"'“”‘’«»*#`]+|[\s"'“”‘’«»*`.。!?]+$/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return truncate(cleaned);
}

/** The first words of a message, for a title when the model gives none. */
export function firstWords(text: string, count = 8): string {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const title = words.slice(0, count).join(" ");
  return truncate(words.length > count ? `${title}…` : title);
}

function truncate(text: string): string {
  return text.length <= maxTitleCharacters ? text : `${text.slice(0, maxTitleCharacters - 1).trimEnd()}…`;
}
