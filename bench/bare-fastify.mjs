// The baselines: a bare Fastify hello-world with no logging, no auth, no hooks; with
// `--access-log` (run under `--import tsx`), the same plus one access-log line per request through
// Nexus's own logger (createLogger: same redaction, same buffered stdout), as Nexus writes.
import Fastify from "fastify";

const accessLog = process.argv.includes("--access-log");
const port = Number(process.argv.find((argument) => /^\d+$/.test(argument)) ?? 0);
const app = accessLog
  ? Fastify({
      loggerInstance: (await import("../packages/core/src/logger.ts")).createLogger("info"),
      disableRequestLogging: true,
    })
  : Fastify({ logger: false });
if (accessLog) {
  app.addHook("onResponse", (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        responseTimeMs: Math.round(reply.elapsedTime * 100) / 100,
      },
      "request completed",
    );
    done();
  });
}
app.get("/", async () => ({ hello: "world" }));
await app.listen({ port, host: "127.0.0.1" });
process.stderr.write(`listening ${app.server.address().port}\n`);
process.on("SIGTERM", () => app.close().then(() => process.exit(0)));
