import { NexusError } from "@nexus/core";
import { parseOrThrow } from "../parse-or-throw.ts";
import type { ImportedConversation } from "./imported-conversation.ts";
import { nexusConversationFileSchema } from "./nexus-conversation-format.ts";
import { nearestKeptAncestors } from "./tree-links.ts";

/** Reads our own JSON export. Throws a 400 saying what is wrong with the file. */
export function readNexusConversation(file: unknown): ImportedConversation {
  const { conversation, messages } = parseOrThrow(nexusConversationFileSchema, file, "conversation file");
  const parents = new Map<string, string | null>();
  for (const message of messages) {
    if (parents.has(message.id)) {
      throw new NexusError(
        "invalid_request",
        `Invalid conversation file: message id '${message.id}' repeats`,
      );
    }
    parents.set(message.id, message.parentId);
  }
  // Checks every parent exists and no links loop.
  nearestKeptAncestors(parents, () => true, "conversation file");
  if (conversation.activeLeafId !== null && !parents.has(conversation.activeLeafId)) {
    throw new NexusError(
      "invalid_request",
      `Invalid conversation file: activeLeafId '${conversation.activeLeafId}' is not one of its messages`,
    );
  }
  return {
    title: conversation.title,
    model: conversation.model,
    agentId: conversation.agentId,
    folder: conversation.folder,
    pinned: conversation.pinned,
    createdAt: conversation.createdAt,
    updatedAt: conversation.updatedAt,
    activeLeafKey: conversation.activeLeafId,
    messages: messages.map((message) => ({
      key: message.id,
      parentKey: message.parentId,
      role: message.role,
      content: message.content,
      parts: message.parts,
      // Nothing generates an imported message any more.
      status: message.status === "generating" ? "stopped" : message.status,
      error: message.error,
      model: message.model,
      usage: message.usage,
      createdAt: message.createdAt,
      updatedAt: message.updatedAt,
      ...(message.feedback ? { feedback: message.feedback } : {}),
    })),
  };
}
