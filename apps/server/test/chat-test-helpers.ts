import { createApiKey, getWorkspaceBySlug } from "@nexus/core";
import type { TestServer } from "./test-server.ts";

/** One server-sent event as a client reads it. */
export interface ReadEvent {
  id?: string;
  event: string;
  data: unknown;
}

/**
 * Reads server-sent events from a response as they arrive (comments skipped). Stop iterating to
 * leave; the connection is closed when `abort` is called on the request's controller.
 */
export async function* readEvents(response: Response): AsyncGenerator<ReadEvent> {
  if (!response.body) throw new Error("no body");
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of frame.split("\n")) {
        if (line.startsWith(":") || line === "") continue;
        const colon = line.indexOf(":");
        fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, "");
      }
      if (fields.event === undefined && fields.data === undefined) continue;
      yield { id: fields.id, event: fields.event ?? "message", data: JSON.parse(fields.data ?? "null") };
    }
  }
}

/** A key of a workspace with its id (a conversation's owner). */
export async function ownerKey(server: TestServer, workspace: string): Promise<{ key: string; id: string }> {
  const db = server.nexus.dependencies.store.db;
  const { id: workspaceId } = await getWorkspaceBySlug(db, workspace);
  const { key, info } = await createApiKey(db, { workspaceId, role: "member" });
  return { key, id: info.id };
}
