import { NexusError } from "@nexus/core";
import { describe, expect, it } from "vitest";
import { parseCacheDirective } from "./cache-directive.ts";

describe("parseCacheDirective", () => {
  it("uses the cache without the header", () => {
    expect(parseCacheDirective(undefined)).toEqual("default");
    expect(parseCacheDirective("")).toEqual("default");
  });

  it("skips the lookup on no-cache and everything on no-store, in any case, listed or repeated", () => {
    expect(parseCacheDirective("no-cache")).toEqual("no-cache");
    expect(parseCacheDirective(" No-Store ")).toEqual("no-store");
    expect(parseCacheDirective("no-cache, no-store")).toEqual("no-store");
    expect(parseCacheDirective(["no-store", "NO-CACHE"])).toEqual("no-store");
    expect(parseCacheDirective(["", "no-cache"])).toEqual("no-cache");
  });

  it("answers an unknown directive with a 400 naming the header", () => {
    let caught: unknown;
    try {
      parseCacheDirective("no-cahce");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NexusError);
    expect((caught as NexusError).status).toBe(400);
    expect((caught as NexusError).toBody().error).toMatchObject({
      type: "invalid_request",
      param: "x-nexus-cache",
      message: expect.stringContaining("no-cahce"),
    });
  });
});
