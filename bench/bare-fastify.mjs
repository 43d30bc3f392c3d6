// The baseline: a bare Fastify hello-world with no logging, no auth, no hooks.
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.get("/", async () => ({ hello: "world" }));
const port = Number(process.argv[2] ?? 0);
await app.listen({ port, host: "127.0.0.1" });
process.stdout.write(`listening ${app.server.address().port}\n`);
process.on("SIGTERM", () => app.close().then(() => process.exit(0)));
