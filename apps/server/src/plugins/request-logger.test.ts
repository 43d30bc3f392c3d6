import { Writable } from "node:stream";
import { createLogger } from "@nexus/core";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerErrorHandling } from "./error-handling.ts";
import { lazyRequestLogger } from "./request-logger.ts";

describe("lazyRequestLogger (request.log)", () => {
  let app: FastifyInstance;
  let lines: Array<Record<string, unknown>>;
  let counter = 0;
  let childrenBuilt = 0;

  beforeEach(async () => {
    lines = [];
    counter = 0;
    childrenBuilt = 0;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger("info", sink);
    logger.onChild = () => {
      childrenBuilt++;
    };
    app = Fastify({
      loggerInstance: logger as FastifyBaseLogger,
      genReqId: () => `req-${++counter}`,
      logController: new LogController({ disableRequestLogging: true }),
      childLoggerFactory: lazyRequestLogger,
    });
    registerErrorHandling(app);
    app.get("/quiet", async (request) => ({ level: request.log.level }));
    app.get("/logs", async (request) => {
      request.log.warn({ apiKey: "nx_secret_value" }, "calling upstream");
      request.log.debug("below the level");
      request.log.child({ step: "retry" }).info("nested");
      return { ok: true };
    });
    app.get("/fails", async () => {
      throw new Error("boom");
    });
    await app.ready();
    childrenBuilt = 0; // Fastify makes its own while it starts
  });
  afterEach(() => app.close());

  it("builds no pino child for a request that does not log, and reports the logger's level", async () => {
    const response = await app.inject({ url: "/quiet" });
    expect(response.json()).toEqual({ level: "info" });
    expect(lines).toEqual([]);
    expect(childrenBuilt).toBe(0);
  });

  it("binds the request id to each line a request logs, with secrets still censored", async () => {
    await app.inject({ url: "/logs" });
    expect(childrenBuilt).toBe(2); // the request's, then the one it made
    const [warned, nested, ...rest] = lines;
    expect(rest).toEqual([]);
    expect(warned).toMatchObject({
      level: 40,
      reqId: "req-1",
      msg: "calling upstream",
      apiKey: "[redacted]",
    });
    expect(nested).toMatchObject({ level: 30, reqId: "req-1", step: "retry", msg: "nested" });
    expect(JSON.stringify(lines)).not.toContain("nx_secret_value");
  });

  it("gives error logs the request id", async () => {
    const response = await app.inject({ url: "/fails" });
    expect(response.statusCode).toBe(500);
    const failed = lines.find((line) => line.msg === "request failed");
    expect(failed).toMatchObject({ level: 50, reqId: "req-1" });
    expect(JSON.stringify(failed)).toContain("boom");
  });
});
