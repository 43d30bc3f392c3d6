import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

const defaultWebRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../web/dist");

/**
 * Serves the built web app at `/`. When it has not been built (a bare checkout), `/` says how
 * to build it instead of failing.
 */
export async function registerWebApp(app: FastifyInstance, webRoot = defaultWebRoot): Promise<void> {
  if (!fs.existsSync(path.join(webRoot, "index.html"))) {
    app.get("/", { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type("text/html")
        .send(
          "<!doctype html><title>Nexus</title><p>The web app is not built. Run <code>npm run prepare</code>.</p>",
        ),
    );
    return;
  }
  await app.register(fastifyStatic, { root: webRoot, prefix: "/", wildcard: false, index: ["index.html"] });
}
