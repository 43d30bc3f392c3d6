import { randomBytes } from "node:crypto";
import { SessionStateStore } from "@nexus/browser";
import { createGenerationRegistry } from "@nexus/chat";
import { createSecretBox, instanceSecret } from "@nexus/core";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { Authenticator } from "./auth/authenticator.ts";
import { LoginCodes } from "./auth/login-codes.ts";
import { openBrowser, workflowBrowser } from "./browser-wiring.ts";
import type { AppDependencies } from "./dependencies.ts";
import { chatKnowledgeSearch, openKnowledge, workflowKnowledgeRetriever } from "./knowledge-wiring.ts";
import { registerAuthentication } from "./plugins/authentication.ts";
import { registerErrorHandling } from "./plugins/error-handling.ts";
import { registerOpenApi, registerOpenApiRoute } from "./plugins/openapi.ts";
import { lazyRequestLogger } from "./plugins/request-logger.ts";
import { registerRequestTelemetry } from "./plugins/request-telemetry.ts";
import { registerWebApp } from "./plugins/web-app.ts";
import { agentRoutes } from "./routes/agent-routes.ts";
import { anthropicRoutes } from "./routes/anthropic-routes.ts";
import { browserRoutes } from "./routes/browser-routes.ts";
import { chatMessageRoutes } from "./routes/chat-message-routes.ts";
import { conversationRoutes } from "./routes/conversation-routes.ts";
import { discoveryRoutes } from "./routes/discovery-routes.ts";
import { gatewayRoutes } from "./routes/gateway-routes.ts";
import { gatewayUsageRoutes } from "./routes/gateway-usage-routes.ts";
import { healthRoutes } from "./routes/health-routes.ts";
import { keyRoutes } from "./routes/key-routes.ts";
import { knowledgeRoutes } from "./routes/knowledge-routes.ts";
import { openaiRoutes } from "./routes/openai-routes.ts";
import { sessionRoutes } from "./routes/session-routes.ts";
import { widgetRoutes } from "./routes/widget-routes.ts";
import { workflowsRoutes } from "./routes/workflows-routes.ts";
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
    // Plugins open stores, queues and indexes at start; Fastify's 10 s default failed starts on a
    // busy machine that were only slow.
    pluginTimeout: 60_000,
    // One access-log line per request (written on response) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // request.log binds the request id only when a request logs (the access log has it as a field).
    childLoggerFactory: lazyRequestLogger,
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
  await app.register(anthropicRoutes(dependencies));
  await app.register(gatewayRoutes(dependencies));
  await app.register(gatewayUsageRoutes({ store, limits: dependencies.gatewayLimits }));
  await app.register(agentRoutes(dependencies));
  const knowledge = await openKnowledge(dependencies);
  knowledge.start();
  app.addHook("onClose", () => knowledge.close());
  // One registry of server-side replies per process, for the chat API and the widget alike.
  const generations = createGenerationRegistry({
    db: store.db,
    gateway: dependencies.gateway,
    events,
    logger,
    fetchAllowedHosts: config.chatFetchAllowedHosts,
    knowledge: chatKnowledgeSearch(knowledge),
  });
  await generations.start();
  await app.register(conversationRoutes({ store, generations }));
  await app.register(chatMessageRoutes({ store, gateway: dependencies.gateway, logger, generations }));
  await app.register(widgetRoutes({ store, config, redisPrefix: dependencies.redisPrefix, generations }));
  // One browser service for the browser API, recorded tasks and workflow nodes (closed after runs stop).
  const browser = openBrowser(dependencies);
  app.addHook("onClose", () => browser.close());
  await app.register(
    workflowsRoutes(dependencies, {
      knowledge: workflowKnowledgeRetriever(knowledge),
      browser: workflowBrowser(
        browser,
        new SessionStateStore(dependencies.store.db, createSecretBox(instanceSecret(config))),
      ),
    }),
  );
  await app.register(knowledgeRoutes(dependencies, knowledge));
  await app.register(browserRoutes(dependencies, browser));
  await app.register(discoveryRoutes({ discover: () => dependencies.discovery.probe() }));
  registerOpenApiRoute(app);
  await registerWebApp(app, options.webRoot);

  await app.ready();
  return {
    app,
    loginCodes,
    close: async () => {
      // Requests still running after the grace (an OpenAI stream, a long upload) are cut off rather
      // than holding the stop; chat replies and workflow runs have ended their streams by then.
      const cutOff = setTimeout(() => app.server.closeAllConnections(), config.shutdownGraceMs);
      cutOff.unref();
      await app.close();
      clearTimeout(cutOff);
      await authenticator.close();
    },
  };
}
