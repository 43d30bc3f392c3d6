import { z } from "zod";
import {
  httpApiKeyTypes,
  httpAuthorizationTypes,
  httpBodyItemTypes,
  httpBodyTypes,
  httpMethods,
} from "../http/http-request-options.ts";
import { toolInputTypes } from "../nodes/value-type-options.ts";
import { selectorSchema } from "./schema-parts.ts";

/** The settings of the node types that reach outside the run. Browser-safe: zod only. */

/** A JSON schema given as an object. */
export const jsonSchemaObject = z.record(z.string(), z.unknown());

/**
 * The types of the settings the call reads, checked at save. The stricter parse (a URL present,
 * positive timeouts) happens when the node runs, so a draft Dify exported still imports.
 */
export const httpRequestDataSchema = z.looseObject({
  method: z
    .string()
    .refine((method) => (httpMethods as readonly string[]).includes(method.toLowerCase()), {
      params: { expected: `one of ${httpMethods.join(", ")}` },
    })
    .nullish(),
  url: z.string().nullish(),
  headers: z.string().nullish(),
  params: z.string().nullish(),
  body: z
    .looseObject({
      type: z.enum(httpBodyTypes),
      data: z
        .union([
          z.string(),
          z.array(
            z.looseObject({
              key: z.string().nullish(),
              type: z.enum(httpBodyItemTypes).nullish(),
              value: z.string().nullish(),
              file: selectorSchema.nullish(),
            }),
          ),
        ])
        .nullish(),
    })
    .nullish(),
  authorization: z
    .looseObject({
      type: z.enum(httpAuthorizationTypes),
      config: z
        .looseObject({
          type: z.enum(httpApiKeyTypes).nullish(),
          api_key: z.string().nullish(),
          header: z.string().nullish(),
        })
        .nullish(),
    })
    .nullish(),
  timeout: z
    .looseObject({
      connect: z.number().nullish(),
      read: z.number().nullish(),
      write: z.number().nullish(),
    })
    .nullish(),
  ssl_verify: z.boolean().nullish(),
});

/** Dify's `{ type, value }` input; a bare value (a text is a template) is taken as it is. */
const toolInputSchema = z.union([
  z.looseObject({ type: z.enum(toolInputTypes).nullish(), value: z.unknown() }),
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.unknown()),
]);

/** The settings of a `tool` node. */
export const toolDataSchema = z.looseObject({
  provider_id: z.string().nullish(),
  provider_name: z.string().nullish(),
  provider_type: z.string().nullish(),
  tool_name: z.string().nullish(),
  mcp_server_url: z.string().nullish(),
  tool_parameters: z.record(z.string(), toolInputSchema).nullish(),
  tool_configurations: z.record(z.string(), toolInputSchema).nullish(),
});

/**
 * The types of the settings; values (the action, the step limit) are checked by
 * `unsupportedReason`, so a node Nexus cannot run still imports, marked.
 */
export const browserDataSchema = z.looseObject({
  action: z.string(),
  url: z.string().nullish(),
  instruction: z.string().nullish(),
  schema: z.union([jsonSchemaObject, z.string()]).nullish(),
  variables: z.record(z.string(), z.string()).nullish(),
  max_steps: z.number().nullish(),
  model: z.string().nullish(),
  session_selector: z.array(z.string()).nullish(),
});
