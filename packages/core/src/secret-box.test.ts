import { statSync } from "node:fs";
import { describe, expect, it, onTestFinished } from "vitest";
import { createSecretBox, instanceSecret } from "./secret-box.ts";
import { tempDir } from "./testing/test-databases.ts";

describe("secret box", () => {
  it("seals and opens; the sealed text does not contain the secret", () => {
    const box = createSecretBox("instance secret");
    const sealed = box.seal("sk-live-123");
    expect(sealed).not.toContain("sk-live-123");
    expect(box.open(sealed)).toBe("sk-live-123");
    expect(box.seal("sk-live-123")).not.toBe(sealed);
  });

  it("refuses values sealed with another key or altered", () => {
    const sealed = createSecretBox("one").seal("secret");
    expect(() => createSecretBox("two").open(sealed)).toThrow();
    expect(() => createSecretBox("one").open(`${sealed.slice(0, -2)}AA`)).toThrow();
    expect(() => createSecretBox("one").open("garbage")).toThrow(/Not a sealed secret/);
  });

  it("generates the instance secret once, private to its owner", () => {
    const { dir: dataDir, cleanup } = tempDir();
    onTestFinished(cleanup);
    const first = instanceSecret({ dataDir });
    expect(instanceSecret({ dataDir })).toBe(first);
    expect(statSync(`${dataDir}/secret.key`).mode & 0o777).toBe(0o600);
    expect(instanceSecret({ dataDir, secretKey: "configured" })).toBe("configured");
  });
});
