import { describe, expect, it } from "vitest";
import { matchApiRoute, parseApiRoute } from "./api-trigger-paths.ts";

describe("api trigger routes", () => {
  it("normalises a route and names its shape without parameter names", () => {
    expect(parseApiRoute("patch", "orders/:id/")).toEqual({
      method: "PATCH",
      path: "/orders/:id",
      route: "PATCH /orders/:",
    });
    expect(parseApiRoute("GET", "/a_b-C9").route).toBe("GET /a_b-C9");
  });

  it("refuses traversal, odd characters, empty segments and oversize paths", () => {
    for (const path of [
      "..",
      "a/../b",
      "a/./b",
      "a b",
      "a//b",
      "a%2fb",
      "ü",
      `/${"a/".repeat(17)}`,
      "x".repeat(201),
    ]) {
      expect(() => parseApiRoute("GET", path), path).toThrow(/path|segment/i);
    }
    expect(() => parseApiRoute("OPTIONS", "a")).toThrow(/method/);
  });

  it("matches segment by segment; a literal segment ranks before a parameter", () => {
    expect(matchApiRoute("/orders/:id", ["orders", "42"])).toEqual({ params: { id: "42" }, rank: "01" });
    expect(matchApiRoute("/orders/new", ["orders", "new"])?.rank).toBe("00");
    expect(matchApiRoute("/orders/:id", ["orders"])).toBeUndefined();
    expect(matchApiRoute("/orders/:id", ["orders", ""])).toBeUndefined();
    expect(matchApiRoute("/orders/:id", ["items", "1"])).toBeUndefined();
  });
});
