import { randomBytes } from "node:crypto";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { Authenticator } from "./auth/authenticator.ts";
import { LoginCodes } from "./auth/login-codes.ts";
import type { AppDependencies } from "./dependencies.ts";
import { registerAuthentication } from "./plugins/authentication.ts";
import { registerErrorHandling } from "./plugins/error-handling.ts";
import { registerOpenApi, registerOpenApiRoute } from "./plugins/openapi.ts";
import { registerRequestTelemetry } from "./plugins/request-telemetry.ts";
import { registerWebApp } from "./plugins/web-app.ts";
import { healthRoutes } from "./routes/health-routes.ts";
import { keyRoutes } from "./routes/key-routes.ts";
import { openaiRoutes } from "./routes/openai-routes.ts";
import { sessionRoutes } from "./routes/session-routes.ts";
import { workspaceRoutes } from "./routes/workspace-routes.ts";
import { WorkspaceCache } from "./workspace-cache.ts";

export interface NexusApp {
  app: FastifyInstance;
  loginCodes: LoginCodes;
  /** Stops background work owned by the app (not the dependencies, which the caller closes). */
  close(): Promise<void>;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request ids: a random per-process prefix and a counter; unique across replicas without per-request entropy. */
function createRequestIdGenerator(): () => string {
  const prefix = `req_${randomBytes(6).toString("base64url")}`;
  let counter = 0;
  return () => `${prefix}-${(++counter).toString(36)}`;
}

/** Composes the packages into one Fastify app. The only place the pieces are wired together. */
export async function buildApp(
  dependencies: AppDependencies,
  options: { webRoot?: string } = {},
): Promise<NexusApp> {
  const { config, logger, metrics, store, events } = dependencies;
  const nextRequestId = createRequestIdGenerator();
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    requestIdHeader: false,
    genReqId: (request) => {
      const incoming = request.headers["x-request-id"];
      return typeof incoming === "string" && requestIdPattern.test(incoming) ? incoming : nextRequestId();
    },
    return503OnClosing: true,
    // One access-log line per request (written on response) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const authenticator = new Authenticator(store, events, logger);
  await authenticator.start();
  const loginCodes = new LoginCodes();

  registerErrorHandling(app);
  await registerOpenApi(app);
  registerRequestTelemetry(app, metrics);
  registerAuthentication(app, authenticator);

  await app.register(healthRoutes(dependencies));
  await app.register(workspaceRoutes(new WorkspaceCache(store)));
  await app.register(keyRoutes(dependencies, authenticator));
  await app.register(sessionRoutes(dependencies, authenticator, loginCodes));
  await app.register(openaiRoutes(dependencies));
  registerOpenApiRoute(app);
  await registerWebApp(app, options.webRoot);

  await app.ready();
  return {
    app,
    loginCodes,
    close: async () => {
      await app.close();
      await authenticator.close();
    },
  };
}
