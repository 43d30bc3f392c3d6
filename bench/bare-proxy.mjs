// The floor for any gateway: a bare pass-through reverse proxy (@fastify/http-proxy, no logging,
// no auth, no hooks) in front of the upstream given as the first argument.
// Usage: node bench/bare-proxy.mjs <upstream origin, e.g. http://127.0.0.1:18000> [port]
import proxy from "@fastify/http-proxy";
import Fastify from "fastify";

const upstream = process.argv[2];
if (!upstream) throw new Error("usage: node bench/bare-proxy.mjs <upstream origin> [port]");
const app = Fastify({ logger: false });
await app.register(proxy, { upstream });
const port = Number(process.argv[3] ?? 0);
await app.listen({ port, host: "127.0.0.1" });
process.stdout.write(`listening ${app.server.address().port}\n`);
process.on("SIGTERM", () => app.close().then(() => process.exit(0)));
