import { z } from "zod";

/** Response shapes shared by several routes. */
export const workspaceSchema = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  created_at: z.string(),
});

export const roleSchema = z.enum(["owner", "admin", "member"]);

export const apiKeyInfoSchema = z.object({
  id: z.string(),
  workspace_id: z.string(),
  name: z.string(),
  role: roleSchema,
  key_prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

export const errorSchema = z.object({
  error: z.object({ type: z.string(), message: z.string(), param: z.string().optional() }),
});

/** Error responses every authenticated route can give, for the OpenAPI document. */
export const authErrors = { 400: errorSchema, 401: errorSchema, 403: errorSchema } as const;
