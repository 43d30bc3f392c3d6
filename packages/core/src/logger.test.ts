import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

describe("createLogger", () => {
  it("writes JSON lines and censors secrets by name", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger("info", sink);
    logger.info(
      { apiKey: "nx_secret1", headers: { authorization: "Bearer nx_secret2" } },
      "calling upstream",
    );
    logger.info(
      { upstream: { apiKey: "sk-secret3", baseURL: "http://x" }, password: "pw-secret4" },
      "configured",
    );
    logger.debug({ token: "hidden-by-level" }, "not written");
    const text = lines.join("");
    for (const secret of ["nx_secret1", "nx_secret2", "sk-secret3", "pw-secret4", "hidden-by-level"]) {
      expect(text).not.toContain(secret);
    }
    const first = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    expect(first).toMatchObject({
      level: 30,
      msg: "calling upstream",
      service: "nexus",
      apiKey: "[redacted]",
    });
    expect(text).toContain("http://x");
  });
});
