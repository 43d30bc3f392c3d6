import { z } from "zod";
import { storableString } from "../storable-text.ts";

/** Tools an agent may enable; the generation engine implements each. */
export const agentToolNames = ["calculator", "current_time", "fetch_page"] as const;
export type AgentToolName = (typeof agentToolNames)[number];

/** Generation parameters an agent sets; each within what providers accept. */
export const agentParamsSchema = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: z.number().int().min(1).max(1_000_000).optional(),
  seed: z
    .number()
    .int()
    .min(-(2 ** 53) + 1)
    .max(2 ** 53 - 1)
    .optional(),
});
export type AgentParams = z.infer<typeof agentParamsSchema>;

const fetchHostEntrySchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(\*|(\*\.)?[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:\d{1,5})?|\[[0-9a-f:.]+\](:\d{1,5})?)$/,
    "a host is like example.com, example.com:8080, *.example.com or [::1]:8080",
  );

const avatarSchema = storableString()
  .max(200_000)
  .refine((avatar) => avatar === "" || /^(https?:\/\/|data:image\/)/.test(avatar) || avatar.length <= 16, {
    message: "avatar must be an emoji or an image URL (https:// or data:image/…)",
  });

/**
 * An agent's editable fields, as POST and PUT take them and export writes them. Strict: a field
 * we do not know is an error, so a typo or another app's export is caught rather than dropped.
 */
export const agentFieldsSchema = z.strictObject({
  name: storableString().trim().min(1, "name must not be empty").max(100, "name is at most 100 characters"),
  avatar: avatarSchema.default(""),
  description: storableString().max(2_000).default(""),
  systemPrompt: storableString().max(100_000).default(""),
  model: storableString().trim().min(1, "model is required").max(200),
  params: agentParamsSchema.default({}),
  openingMessage: storableString().max(10_000).default(""),
  suggestedQuestions: z.array(storableString().min(1).max(500)).max(20).default([]),
  tools: z
    .array(z.enum(agentToolNames, { error: `tools are ${agentToolNames.join(", ")}` }))
    .max(agentToolNames.length)
    .refine((tools) => new Set(tools).size === tools.length, { message: "tools must not repeat" })
    .default([]),
  knowledgeBases: z.array(storableString().min(1).max(100)).max(50).default([]),
  /**
   * Sites this agent's `fetch_page` may read, besides the instance's NEXUS_CHAT_FETCH_ALLOWED_HOSTS:
   * `example.com`, `example.com:8080`, `*.example.com`. A wildcard never reaches a private address.
   */
  fetchAllowedHosts: z.array(fetchHostEntrySchema).max(50, "at most 50 hosts").default([]),
});
export type AgentFields = z.output<typeof agentFieldsSchema>;
export type AgentFieldsInput = z.input<typeof agentFieldsSchema>;

/** An agent as the API returns it. */
export interface Agent extends AgentFields {
  id: string;
  createdAt: string;
  updatedAt: string;
}

/** The file `GET /api/agents/:id/export` writes and `POST /api/agents/import` reads. */
export const agentExportSchema = z.strictObject({
  nexusAgent: z.literal(1, { error: "nexusAgent must be 1: this is not a Nexus agent export" }),
  agent: agentFieldsSchema,
});
export type AgentExport = z.output<typeof agentExportSchema>;
