// The baselines: a bare Fastify hello-world with no logging, no auth, no hooks; with
// `--access-log`, the same plus one pino JSON access-log line per request, as Nexus writes.
import Fastify from "fastify";
import pino from "pino";

const accessLog = process.argv.includes("--access-log");
const port = Number(process.argv.find((argument) => /^\d+$/.test(argument)) ?? 0);
const app = accessLog
  ? Fastify({
      loggerInstance: pino({ level: "info" }, pino.destination({ dest: 1, sync: false, minLength: 4096 })),
      disableRequestLogging: true,
    })
  : Fastify({ logger: false });
if (accessLog) {
  app.addHook("onResponse", (request, reply, done) => {
    request.log.info(
      { method: request.method, url: request.url, statusCode: reply.statusCode },
      "request completed",
    );
    done();
  });
}
app.get("/", async () => ({ hello: "world" }));
await app.listen({ port, host: "127.0.0.1" });
process.stderr.write(`listening ${app.server.address().port}\n`);
process.on("SIGTERM", () => app.close().then(() => process.exit(0)));
