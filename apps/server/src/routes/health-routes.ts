import { nexusVersion } from "@nexus/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDependencies } from "../dependencies.ts";

const checkTimeoutMs = 2_000;

/** Liveness and readiness for load balancers and orchestrators; no key needed. */
export function healthRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/healthz",
      {
        config: { public: true },
        schema: {
          tags: ["health"],
          summary: "Liveness: the process answers",
          security: [],
          response: {
            200: z.object({ status: z.literal("ok"), version: z.string(), uptimeSeconds: z.number() }),
          },
        },
      },
      async () => ({
        status: "ok" as const,
        version: nexusVersion,
        uptimeSeconds: Math.round(process.uptime()),
      }),
    );

    const checkSchema = z.object({ ok: z.boolean(), kind: z.string(), error: z.string().optional() });
    app.get(
      "/readyz",
      {
        config: { public: true },
        schema: {
          tags: ["health"],
          summary: "Readiness: the store, queue and event bus are reachable",
          security: [],
          response: {
            200: z.object({ status: z.literal("ready"), checks: z.record(z.string(), checkSchema) }),
            503: z.object({ status: z.literal("unavailable"), checks: z.record(z.string(), checkSchema) }),
          },
        },
      },
      async (_request, reply) => {
        const { store, queue, events } = dependencies;
        const [storeCheck, queueCheck, eventsCheck] = await Promise.all([
          check(store.dialect, () => store.ping()),
          check(queue.kind, () => queue.ping()),
          check(events.kind, () => events.ping()),
        ]);
        const checks = { store: storeCheck, queue: queueCheck, events: eventsCheck };
        const ready = Object.values(checks).every((entry) => entry.ok);
        if (ready) return { status: "ready" as const, checks };
        return reply.status(503).send({ status: "unavailable" as const, checks });
      },
    );
  };
}

async function check(kind: string, probe: () => Promise<void>) {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${checkTimeoutMs} ms`)), checkTimeoutMs);
      }),
    ]);
    return { ok: true, kind };
  } catch (error) {
    return { ok: false, kind, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
