import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { GenerationRegistry } from "@nexus/chat";
import { NexusError } from "@nexus/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AppDependencies } from "../dependencies.ts";
import { widgetApiRoutes } from "./widget-api-routes.ts";
import { widgetTokenRoutes } from "./widget-token-routes.ts";

/** Where `npm run prepare` builds the script (apps/widget). */
export const defaultWidgetScript = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../widget/dist/nexus-widget.js",
);

/**
 * The embeddable chat widget: the script sites include (`GET /widget.js`), the API it calls with
 * a site token (`/api/widget/...`) and the admins' management of those tokens.
 */
export function widgetRoutes(
  dependencies: Pick<AppDependencies, "store" | "config" | "redisPrefix"> & {
    generations: GenerationRegistry;
  },
  options: { scriptFile?: string } = {},
): FastifyPluginAsyncZod {
  const scriptFile = options.scriptFile ?? defaultWidgetScript;
  return async (app) => {
    await app.register(widgetTokenRoutes(dependencies));
    await app.register(widgetApiRoutes(dependencies));

    let cached: { modifiedMs: number; body: Buffer; etag: string } | undefined;
    const loadScript = async () => {
      const stat = await fs.stat(scriptFile).catch(() => undefined);
      if (!stat) return undefined;
      if (cached?.modifiedMs !== stat.mtimeMs) {
        const body = await fs.readFile(scriptFile);
        const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
        cached = { modifiedMs: stat.mtimeMs, body, etag };
      }
      return cached;
    };

    app.get(
      "/widget.js",
      {
        config: { public: true },
        schema: {
          tags: ["widget"],
          summary: 'The chat bubble script: <script src="…/widget.js" data-token="nxw_…" async></script>',
          security: [],
        },
      },
      async (request, reply) => {
        const script = await loadScript();
        if (!script) {
          throw new NexusError("not_found", "The widget script is not built: run `npm run prepare`");
        }
        // Any site may load the script; what it can do is decided by its token.
        reply
          .header("access-control-allow-origin", "*")
          .header("cross-origin-resource-policy", "cross-origin")
          .header("cache-control", "public, max-age=300, stale-while-revalidate=86400")
          .header("etag", script.etag);
        if (request.headers["if-none-match"] === script.etag) return reply.code(304).send();
        return reply.type("text/javascript; charset=utf-8").send(script.body);
      },
    );
  };
}
