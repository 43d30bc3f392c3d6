import type { ConversationOwner } from "@nexus/chat";
import type { FastifyRequest } from "fastify";
import { principalOf } from "../plugins/authentication.ts";

/** A conversation's owner: the caller's API key (a session's too), or `workspace` for a login link. */
export function conversationOwnerOf(request: FastifyRequest): ConversationOwner {
  const principal = principalOf(request);
  return { workspaceId: principal.workspaceId, ownerId: principal.keyId ?? "workspace" };
}
