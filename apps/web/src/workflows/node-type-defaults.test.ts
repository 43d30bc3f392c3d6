import { comparisonOperators as implemented } from "@nexus/workflows/node-options";
import { nodeDataProblem } from "@nexus/workflows/node-schemas";
import { describe, expect, it } from "vitest";
import { comparisonOperators, unaryOperators } from "./condition-list.tsx";
import { nodeTypes, sourceHandlesOf } from "./node-types.ts";

describe("the data the editor adds nodes with", () => {
  it("passes the server's settings checks for every node type", () => {
    for (const info of nodeTypes) {
      expect(
        nodeDataProblem({ type: info.type, title: info.label, ...info.defaults() }),
        info.type,
      ).toBeUndefined();
    }
  });

  it("offers only comparison operators the engine implements", () => {
    expect(implemented).toEqual(expect.arrayContaining([...comparisonOperators, ...unaryOperators]));
  });

  it("gives a human-input node one branch handle per action (none: one plain handle)", () => {
    const defaults = nodeTypes.find((info) => info.type === "human-input")?.defaults();
    expect(sourceHandlesOf({ type: "human-input", title: "Ask", ...defaults })).toEqual([
      { id: "approve", label: "Approve" },
      { id: "reject", label: "Reject" },
    ]);
    expect(sourceHandlesOf({ type: "human-input", title: "Ask", user_actions: [] })).toEqual([
      { id: "source", label: "" },
    ]);
  });
});
