import type { Metrics } from "@nexus/core";
import type { FastifyInstance } from "fastify";

/**
 * Per-request telemetry in one hook: the request id header on the way in; on the way out, one
 * access-log line and the Prometheus counters by route pattern (not raw URL, which would make
 * label cardinality unbounded). Callback-style hooks: this runs on every request, so it avoids
 * a promise per hook.
 */
export function registerRequestTelemetry(app: FastifyInstance, metrics: Metrics): void {
  // The root logger, with the request id as a field: request.log builds its child only when used.
  const accessLog = app.log;
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });

  app.addHook("onResponse", (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? "unmatched",
      status: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
    accessLog.info(
      {
        reqId: request.id,
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        responseTimeMs: Math.round(reply.elapsedTime * 100) / 100,
      },
      "request completed",
    );
    done();
  });

  app.get("/metrics", { schema: { hide: true }, config: { public: true } }, async (_request, reply) => {
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
