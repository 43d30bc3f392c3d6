import { describe, expect, it } from "vitest";
import { isOriginAllowed } from "./site-origin.ts";
import { createSiteTokenSchema, siteOriginSchema } from "./site-token-schema.ts";

describe("site origins", () => {
  it("takes scheme, host and port, stored as browsers send Origin", () => {
    expect(siteOriginSchema.parse("https://Example.COM")).toBe("https://example.com");
    expect(siteOriginSchema.parse("https://example.com:443")).toBe("https://example.com");
    expect(siteOriginSchema.parse("http://127.0.0.1:8080")).toBe("http://127.0.0.1:8080");
  });

  it.each([
    "example.com",
    "https://example.com/",
    "https://example.com/page",
    "https://example.com?x=1",
    "https://user:pw@example.com",
    "ftp://example.com",
    "javascript:alert(1)",
    "*",
  ])("refuses %s", (origin) => {
    expect(siteOriginSchema.safeParse(origin).success).toBe(false);
  });

  it("allows any origin (and none) when the list is empty, else only listed ones", () => {
    expect(isOriginAllowed([], undefined)).toBe(true);
    expect(isOriginAllowed([], "https://any.example")).toBe(true);
    const list = ["https://a.example", "http://localhost:3000"];
    expect(isOriginAllowed(list, "https://a.example")).toBe(true);
    expect(isOriginAllowed(list, "http://localhost:3000")).toBe(true);
    expect(isOriginAllowed(list, "http://localhost:3001")).toBe(false);
    expect(isOriginAllowed(list, "https://a.example.evil.test")).toBe(false);
    expect(isOriginAllowed(list, "null")).toBe(false);
    expect(isOriginAllowed(list, undefined)).toBe(false);
  });
});

describe("createSiteTokenSchema", () => {
  it("fills defaults", () => {
    expect(createSiteTokenSchema.parse({ agentId: "agent_1" })).toEqual({
      agentId: "agent_1",
      allowedOrigins: [],
      requestsPerMinute: 60,
      visitorRequestsPerMinute: 20,
      theme: { primaryColor: "#2563eb", position: "right" },
    });
  });

  it.each([
    [{ agentId: "a", theme: { primaryColor: "red" } }, "theme.primaryColor"],
    [{ agentId: "a", theme: { primaryColor: "#fff;background:url(x)" } }, "theme.primaryColor"],
    [{ agentId: "a", theme: { position: "top" } }, "theme.position"],
    [{ agentId: "a", theme: { font: "x" } }, "theme"],
    [{ agentId: "a", requestsPerMinute: 0 }, "requestsPerMinute"],
    [{ agentId: "a", requestsPerMinute: 1.5 }, "requestsPerMinute"],
    [{ agentId: "a", allowedOrigins: "https://a.example" }, "allowedOrigins"],
    [{ agentId: "" }, "agentId"],
    [{ agentId: "a", extra: 1 }, ""],
  ])("refuses %j", (input, path) => {
    const result = createSiteTokenSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join(".")).toBe(path);
  });
});
