import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { batchedDestination } from "./log-destination.ts";

const repositoryRoot = path.resolve(import.meta.dirname, "../../..");
const fixture = path.join(import.meta.dirname, "__fixtures__", "log-then-exit.ts");
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempLogFile(): { fd: number; read: () => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nexus-log-"));
  const file = path.join(dir, "out.log");
  const fd = fs.openSync(file, "w");
  cleanups.push(() => {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { fd, read: () => fs.readFileSync(file, "utf8") };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}

function runFixture(how: "exit" | "drain", count: number): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", fixture, how, String(count)], {
      cwd: repositoryRoot,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout }));
  });
}

describe("batchedDestination", () => {
  it("holds short lines until a chunk fills, then writes them in order", async () => {
    const log = tempLogFile();
    const destination = batchedDestination({ fd: log.fd, chunkLength: 100, flushMs: 60_000 });
    destination.write("one\n");
    destination.write("two\n");
    await sleep(50);
    expect(log.read()).toBe("");

    const long = `${"x".repeat(120)}\n`;
    destination.write(long);
    await eventually(() => log.read().length > 0);
    expect(log.read()).toBe(`one\ntwo\n${long}`);

    destination.write("three ✓\n");
    await new Promise<void>((resolve, reject) =>
      destination.flush((error) => (error ? reject(error) : resolve())),
    );
    expect(log.read()).toBe(`one\ntwo\n${long}three ✓\n`);
  });

  it("writes buffered lines within the flush interval, and at once on flushSync", async () => {
    const log = tempLogFile();
    const periodic = batchedDestination({ fd: log.fd, flushMs: 20 });
    periodic.write("tick\n");
    await eventually(() => log.read() === "tick\n", 2_000);

    const other = tempLogFile();
    const manual = batchedDestination({ fd: other.fd, flushMs: 60_000 });
    manual.write("tock\n");
    manual.flushSync();
    expect(other.read()).toBe("tock\n");
  });

  it.each(["exit", "drain"] as const)(
    "loses no line when the process ends right after logging (%s)",
    async (how) => {
      const { code, stdout } = await runFixture(how, 200);
      expect(code).toBe(0);
      const lines = stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { line: number; note: string; service: string });
      expect(lines.map((line) => line.line)).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
      expect(lines.every((line) => line.note === "grüße ✓" && line.service === "nexus")).toBe(true);
    },
  );
});
