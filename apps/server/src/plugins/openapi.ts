import swagger from "@fastify/swagger";
import { nexusVersion } from "@nexus/core";
import type { FastifyInstance } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";

/** The OpenAPI document is generated from the route schemas; register before any route. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: "Nexus API",
        version: nexusVersion,
        description: 'Native Nexus API. Errors are {"error":{"type","message","param"?}}.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: "http", scheme: "bearer", description: "A workspace API key (nx_...)" },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
}

export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get("/api/openapi.json", { schema: { hide: true }, config: { public: true } }, async () =>
    app.swagger(),
  );
}
