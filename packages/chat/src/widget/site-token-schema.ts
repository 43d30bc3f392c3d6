import { z } from "zod";
import { storableString } from "../storable-text.ts";

/**
 * An origin a site token may be used from: `http(s)://host[:port]`, nothing after it. Stored as
 * the browser sends it in `Origin` (lower-case host, default port left out), so checks compare
 * strings.
 */
export const siteOriginSchema = z.string().transform((text, context) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    context.addIssue({ code: "custom", message: `'${text}' is not an origin like https://example.com` });
    return z.NEVER;
  }
  const bare = url.pathname === "/" && url.search === "" && url.hash === "" && !text.endsWith("/");
  if ((url.protocol !== "http:" && url.protocol !== "https:") || !bare || url.username || url.password) {
    context.addIssue({
      code: "custom",
      message: `'${text}' is not an origin: give scheme, host and port only, like https://example.com`,
    });
    return z.NEVER;
  }
  return url.origin;
});

/** How the bubble looks. `title` and `greeting` default to the agent's name and opening message. */
export const widgetThemeSchema = z.strictObject({
  primaryColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, "primaryColor is a color like #6d28d9")
    .default("#2563eb"),
  title: storableString().trim().min(1).max(60).optional(),
  position: z.enum(["left", "right"]).default("right"),
  greeting: storableString().trim().max(1000).optional(),
});
export type WidgetTheme = z.output<typeof widgetThemeSchema>;

/** `POST /api/widget/tokens`. */
export const createSiteTokenSchema = z.strictObject({
  agentId: storableString().min(1).max(128),
  name: storableString().trim().max(100).optional(),
  /** Empty: any origin. */
  allowedOrigins: z.array(siteOriginSchema).max(50, "at most 50 origins").default([]),
  requestsPerMinute: z.number().int().min(1).max(100_000).default(60),
  visitorRequestsPerMinute: z.number().int().min(1).max(10_000).default(20),
  theme: widgetThemeSchema.default({ primaryColor: "#2563eb", position: "right" }),
});
export type CreateSiteTokenInput = z.input<typeof createSiteTokenSchema>;

/** A site token as listed: everything but its hash. */
export interface SiteTokenInfo {
  id: string;
  agentId: string;
  name: string;
  /** The token's first characters, to tell tokens apart. */
  tokenPrefix: string;
  allowedOrigins: string[];
  requestsPerMinute: number;
  visitorRequestsPerMinute: number;
  theme: WidgetTheme;
  createdAt: string;
  revokedAt: string | null;
}
