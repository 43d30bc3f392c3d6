/**
 * The choices of a Dify http-request node, by DSL spelling: what `executeHttpRequest` and
 * `encodeBody` implement. Both the run-time parse (`httpRequestNodeDataSchema`) and the save-time
 * node data schema build their enums from these. Zod-free and node-free: the web editor imports it.
 */

/** Lower-case, as Dify writes them; the node accepts any case ("GET"). */
export const httpMethods = ["get", "post", "put", "patch", "delete", "head", "options"] as const;

export const httpBodyTypes = [
  "none",
  "json",
  "form-data",
  "x-www-form-urlencoded",
  "raw-text",
  "binary",
] as const;

/** A form-data item is a text field or a file variable. */
export const httpBodyItemTypes = ["text", "file"] as const;

export const httpAuthorizationTypes = ["no-auth", "api-key"] as const;

/** How an API key is sent: `Bearer <key>`, `Basic <key>`, or the key itself in a custom header. */
export const httpApiKeyTypes = ["basic", "bearer", "custom"] as const;
