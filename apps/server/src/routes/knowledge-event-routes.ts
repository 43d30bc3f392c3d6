import type { EventBus } from "@nexus/core";
import { type DocumentProgressEvent, documentProgressTopic } from "@nexus/knowledge";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf } from "../plugins/authentication.ts";
import { startEventStream } from "./event-stream-response.ts";

/**
 * `GET /api/knowledge/events`: the workspace's ingestion progress as server-sent events
 * (`event: progress`, data: DocumentProgressEvent), optionally for one knowledge base.
 */
export function knowledgeEventRoutes({ events }: { events: EventBus }): FastifyPluginAsyncZod {
  return async (app) => {
    // Open streams end before the server stops listening (else closing waits on them forever).
    const open = new Set<() => void>();
    app.addHook("preClose", async () => {
      for (const end of open) end();
    });
    app.get(
      "/api/knowledge/events",
      {
        schema: {
          tags: ["knowledge"],
          summary: "Ingestion progress (percent, chunks done, errors) as server-sent events",
          querystring: z.object({ knowledgeBaseId: z.string().min(1).max(128).optional() }).strict(),
        },
      },
      async (request, reply) => {
        const { workspaceId } = principalOf(request);
        const wanted = request.query.knowledgeBaseId;
        const response = startEventStream(reply);
        response.write(": connected\n\n");
        const stop = await events.subscribe<DocumentProgressEvent>(documentProgressTopic, (event) => {
          const payload = event.payload;
          if (payload.workspaceId !== workspaceId) return;
          if (wanted && payload.knowledgeBaseId !== wanted) return;
          response.write(`event: progress\ndata: ${JSON.stringify(payload)}\n\n`);
        });
        const heartbeat = setInterval(() => response.write(": ping\n\n"), 15_000);
        let finished = false;
        const finish = () => {
          if (finished) return;
          finished = true;
          open.delete(end);
          clearInterval(heartbeat);
          void stop();
        };
        const end = () => {
          finish();
          response.end();
        };
        open.add(end);
        response.once("close", finish);
      },
    );
  };
}
