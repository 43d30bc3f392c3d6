import { describe, expect, it } from "vitest";
import { calculatorTool } from "./calculator.ts";
import type { ToolContext } from "./chat-tool.ts";
import { currentTimeTool } from "./current-time.ts";
import { builtInTools } from "./registry.ts";
import { runToolCall } from "./run-tool-call.ts";

const context: ToolContext = {
  signal: new AbortController().signal,
  fetchAllowedHosts: [],
  now: () => new Date("2026-03-01T12:00:00Z"),
};

describe("built-in tools", () => {
  it("are registered under the names agents use, with OpenAI-valid names and object schemas", () => {
    expect(Object.keys(builtInTools).sort()).toEqual(["calculator", "current_time", "fetch_page"]);
    for (const [name, tool] of Object.entries(builtInTools)) {
      expect(tool.name).toBe(name);
      expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(tool.parameters.type).toBe("object");
    }
  });

  it("calculator evaluates and reports mistakes as tool errors", async () => {
    expect(await calculatorTool.run({ expression: "(2 + 3) * 4" }, context)).toBe("20");
    await expect(calculatorTool.run({ expression: "1/0" }, context)).rejects.toThrow(
      "Cannot evaluate: division by zero",
    );
    await expect(calculatorTool.run({}, context)).rejects.toThrow("'expression' is required");
  });

  it("current_time answers in UTC and in a named time zone", async () => {
    expect(await currentTimeTool.run({}, context)).toBe("UTC: 2026-03-01T12:00:00.000Z");
    const paris = await currentTimeTool.run({ timeZone: "Europe/Paris" }, context);
    expect(paris).toContain("Europe/Paris: Sunday, March 1, 2026 at 1:00:00");
    await expect(currentTimeTool.run({ timeZone: "Mars/Olympus" }, context)).rejects.toThrow(
      "Unknown time zone 'Mars/Olympus'",
    );
  });
});

describe("runToolCall", () => {
  const run = (name: string, args: string) => runToolCall(builtInTools, { name, arguments: args }, context);

  it("returns the tool's text", async () => {
    expect(await run("calculator", '{"expression":"6*7"}')).toEqual({ content: "42", isError: false });
  });

  it("takes a lone argument under another name as the tool's first argument", async () => {
    expect(await run("calculator", '{"input":"6*7"}')).toEqual({ content: "42", isError: false });
    expect(await run("current_time", "")).toEqual({
      content: "UTC: 2026-03-01T12:00:00.000Z",
      isError: false,
    });
  });

  it("turns every failure into an error result instead of throwing", async () => {
    expect(await run("shell", "{}")).toEqual({ content: "There is no tool named 'shell'", isError: true });
    expect(await run("calculator", "{not json")).toEqual({
      content: "The arguments are not valid JSON",
      isError: true,
    });
    expect(await run("calculator", "[1]")).toEqual({
      content: "The arguments must be a JSON object",
      isError: true,
    });
    expect(await run("calculator", '{"expression": 42}')).toEqual({
      content: "'expression' must be a string",
      isError: true,
    });
    expect(await run("calculator", '{"expression":"2^"}')).toMatchObject({ isError: true });
  });
});
