import { newId } from "@nexus/core";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { Authenticator } from "./auth/authenticator.ts";
import { LoginCodes } from "./auth/login-codes.ts";
import type { AppDependencies } from "./dependencies.ts";
import { registerAuthentication } from "./plugins/authentication.ts";
import { registerErrorHandling } from "./plugins/error-handling.ts";
import { registerHttpMetrics } from "./plugins/http-metrics.ts";
import { registerOpenApi, registerOpenApiRoute } from "./plugins/openapi.ts";
import { registerWebApp } from "./plugins/web-app.ts";
import { healthRoutes } from "./routes/health-routes.ts";
import { keyRoutes } from "./routes/key-routes.ts";
import { sessionRoutes } from "./routes/session-routes.ts";
import { workspaceRoutes } from "./routes/workspace-routes.ts";

export interface NexusApp {
  app: FastifyInstance;
  loginCodes: LoginCodes;
  /** Stops background work owned by the app (not the dependencies, which the caller closes). */
  close(): Promise<void>;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** Composes the packages into one Fastify app. The only place the pieces are wired together. */
export async function buildApp(
  dependencies: AppDependencies,
  options: { webRoot?: string } = {},
): Promise<NexusApp> {
  const { config, logger, metrics, store, events } = dependencies;
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    requestIdHeader: false,
    genReqId: (request) => {
      const incoming = request.headers["x-request-id"];
      return typeof incoming === "string" && requestIdPattern.test(incoming) ? incoming : newId("req");
    },
    return503OnClosing: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  const authenticator = new Authenticator(store, events, logger);
  await authenticator.start();
  const loginCodes = new LoginCodes();

  registerErrorHandling(app);
  await registerOpenApi(app);
  registerHttpMetrics(app, metrics);
  registerAuthentication(app, authenticator);

  await app.register(healthRoutes(dependencies));
  await app.register(workspaceRoutes(dependencies));
  await app.register(keyRoutes(dependencies, authenticator));
  await app.register(sessionRoutes(dependencies, authenticator, loginCodes));
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
