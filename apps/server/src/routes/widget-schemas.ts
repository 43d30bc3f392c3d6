import { z } from "zod";

/** Response shapes of the widget API, for validation and the OpenAPI document. */
export const widgetThemeViewSchema = z.object({
  primaryColor: z.string(),
  title: z.string().optional(),
  position: z.enum(["left", "right"]),
  greeting: z.string().optional(),
});

export const siteTokenInfoSchema = z.object({
  id: z.string(),
  agentId: z.string(),
  name: z.string(),
  tokenPrefix: z.string(),
  allowedOrigins: z.array(z.string()),
  requestsPerMinute: z.number(),
  visitorRequestsPerMinute: z.number(),
  theme: widgetThemeViewSchema,
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

export const widgetSessionSchema = z.object({
  agent: z.object({
    name: z.string(),
    avatar: z.string(),
    openingMessage: z.string(),
    suggestedQuestions: z.array(z.string()),
  }),
  theme: widgetThemeViewSchema.required(),
  limits: z.object({ messageCharacters: z.number() }),
});

export const widgetMessageSchema = z.object({
  id: z.string(),
  role: z.enum(["user", "assistant"]),
  content: z.string(),
  status: z.enum(["complete", "generating", "stopped", "failed"]),
  error: z.string().nullable(),
  createdAt: z.string(),
});

export const widgetConversationSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  messages: z.array(widgetMessageSchema),
});
