import { comparisonOperators as implemented } from "@nexus/workflows/node-options";
import { nodeDataProblem } from "@nexus/workflows/node-schemas";
import { describe, expect, it } from "vitest";
import { comparisonOperators, unaryOperators } from "./condition-list.tsx";
import { nodeTypes } from "./node-types.ts";

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
});
