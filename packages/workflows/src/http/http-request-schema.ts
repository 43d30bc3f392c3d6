import { z } from "zod";
import {
  httpApiKeyTypes,
  httpAuthorizationTypes,
  httpBodyItemTypes,
  httpBodyTypes,
  httpMethods,
} from "./http-request-options.ts";

const bodyItemSchema = z.object({
  key: z.string().nullish(),
  type: z.enum(httpBodyItemTypes).nullish(),
  value: z.string().nullish(),
  file: z.array(z.string()).nullish(),
});

/**
 * The `data` of a Dify http-request node as DSL 0.1.x–0.5.x writes it. `headers` and `params`
 * are "key: value" lines; `body.data` is a string in older DSL and a list of items in newer.
 * Timeouts are seconds.
 */
export const httpRequestNodeDataSchema = z.object({
  method: z
    .string()
    .transform((method) => method.toLowerCase())
    .pipe(z.enum(httpMethods)),
  url: z.string().min(1, "the request has no URL"),
  headers: z.string().nullish(),
  params: z.string().nullish(),
  body: z
    .object({
      type: z.enum(httpBodyTypes),
      data: z.union([z.string(), z.array(bodyItemSchema)]).nullish(),
    })
    .nullish(),
  authorization: z
    .object({
      type: z.enum(httpAuthorizationTypes),
      config: z
        .object({
          type: z.enum(httpApiKeyTypes).nullish(),
          api_key: z.string().nullish(),
          header: z.string().nullish(),
        })
        .nullish(),
    })
    .nullish(),
  timeout: z
    .object({
      connect: z.number().positive().nullish(),
      read: z.number().positive().nullish(),
      write: z.number().positive().nullish(),
    })
    .nullish(),
  ssl_verify: z.boolean().nullish(),
});

/** The node data after `httpRequestNodeDataSchema.parse` (method lower-cased). */
export type HttpRequestNodeData = z.output<typeof httpRequestNodeDataSchema>;
export type HttpBodyItem = z.output<typeof bodyItemSchema>;
