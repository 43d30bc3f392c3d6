import { renderTemplate } from "../engine/template-selectors.ts";
import type { VariablePool } from "../engine/variable-pool.ts";
import type { RequestFile } from "../http/http-request-body.ts";
import { httpRequestDataSchema } from "../node-schemas/io-node-schemas.ts";
import { readFileValue } from "./file-value.ts";
import { defineNode } from "./node-definition.ts";

/**
 * Reads every file variable the body's file items name (form-data file fields, the binary
 * body) before the call, so encoding the body stays synchronous. Keyed by the joined selector.
 */
async function bodyFiles(
  data: Record<string, unknown>,
  pool: VariablePool,
  options: { allowedHosts?: string[]; signal: AbortSignal },
): Promise<Map<string, RequestFile[]>> {
  const files = new Map<string, RequestFile[]>();
  const items = (data.body as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(items)) return files;
  for (const item of items as Array<{ type?: string; file?: unknown }>) {
    if (item?.type !== "file" && !Array.isArray(item?.file)) continue;
    if (!Array.isArray(item.file) || item.file.length < 2) continue;
    const selector = item.file.map(String);
    const value = pool.get(selector);
    if (value === undefined || value === null) continue;
    const list = Array.isArray(value) ? value : [value];
    try {
      files.set(selector.join("."), await Promise.all(list.map((file) => readFileValue(file, options))));
    } catch (error) {
      throw new Error(`the file variable ${selector.join(".")}: ${(error as Error).message}`);
    }
  }
  return files;
}

/** An HTTP call (SSRF-guarded); outputs `status_code`, `body`, `headers`, `files`. */
export const httpRequestNode = defineNode({
  type: "http-request",
  sideEffects: true,
  dataSchema: httpRequestDataSchema,
  outputTypes: () => ({ status_code: "number", body: "string", headers: "object" }),
  run: async ({ node, pool, services, signal }) => {
    const { executeHttpRequest, httpRequestNodeDataSchema } = await import("../http/http-request.ts");
    const parsed = httpRequestNodeDataSchema.safeParse(node.data);
    if (!parsed.success)
      throw new Error(`Invalid http-request settings: ${parsed.error.issues[0]?.message ?? ""}`);
    const render = (text: string) => renderTemplate(text, pool);
    const allowed = services.allowedHosts ? { allowedHosts: services.allowedHosts } : {};
    const files = await bodyFiles(node.data, pool, { ...allowed, signal });
    const result = await executeHttpRequest(parsed.data, render, {
      ...allowed,
      signal,
      files: (selector) => files.get(selector.join(".")) ?? [],
    });
    return {
      outputs: { ...result },
      inputs: { method: node.data.method, url: render(String(node.data.url ?? "")) },
    };
  },
});
