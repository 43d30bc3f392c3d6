import { describe, expect, it } from "vitest";
import { nodeDataProblems } from "./node-data-checks.ts";
import { nodeTypes } from "./node-types.ts";

describe("nodeDataProblems", () => {
  it("accepts the data every node type is added with", () => {
    for (const info of nodeTypes) {
      expect(nodeDataProblems({ type: info.type, title: info.label, ...info.defaults() })).toEqual([]);
    }
  });

  it("names the field that is wrong, with the path into lists", () => {
    expect(
      nodeDataProblems({
        type: "parameter-extractor",
        title: "Extract",
        query: "start.text",
        parameters: [{ name: "city", type: 3 }],
      }),
    ).toEqual([
      'query must be a variable selector like ["node", "variable"]',
      "parameters[0].type must be text",
    ]);
    expect(
      nodeDataProblems({
        type: "assigner",
        title: "Set",
        items: [{ variable_selector: [], operation: "merge" }],
      }),
    ).toEqual([
      'items[0].operation must be one of "over-write", "set", "clear", "append", "extend", "remove-first", "remove-last", "+=", "-=", "*=", "/="',
    ]);
    expect(
      nodeDataProblems({ type: "list-operator", title: "L", variable: ["a", "b"], limit: { size: "5" } }),
    ).toEqual(["limit.size must be a number"]);
    expect(nodeDataProblems({ type: "tool", title: "T", tool_parameters: { a: { type: "x" } } })).toEqual([
      "tool_name must be text",
      'tool_parameters.a.type must be one of "mixed", "variable", "constant"',
    ]);
  });

  it("needs type and title for any node, and nothing more for types without a known shape", () => {
    expect(nodeDataProblems([1])).toEqual(["The data must be an object, not a list"]);
    expect(nodeDataProblems({ title: "x" })).toEqual(["type must be text"]);
    expect(nodeDataProblems({ type: "human-input", title: "Ask", anything: [1, 2] })).toEqual([]);
  });

  it("reads an agent's parameters in Dify's { value } shape and as plain values", () => {
    expect(
      nodeDataProblems({
        type: "agent",
        title: "A",
        agent_parameters: { maximum_iterations: { type: "constant", value: "3" } },
      }),
    ).toEqual(["agent_parameters.maximum_iterations.value must be a number"]);
    expect(
      nodeDataProblems({ type: "agent", title: "A", agent_parameters: { maximum_iterations: 3 } }),
    ).toEqual([]);
  });
});
