import { NexusError } from "@nexus/core";
import { describe, expect, it } from "vitest";
import { exportDsl } from "../dsl/export-dsl.ts";
import { importDsl } from "../dsl/import-dsl.ts";
import { assignerOperations } from "../nodes/assigner-operations.ts";
import { comparisonOperators } from "../nodes/comparison-operators.ts";
import { builtinNodes, createNodeRegistry } from "../nodes/registry.ts";
import { buildDefinition } from "../testing/graph-builder.ts";
import { settingsFixtures } from "../testing/settings-fixtures.ts";
import { validateGraph } from "./validate-graph.ts";

const registry = createNodeRegistry();

function rejectionOf(run: () => unknown): NexusError {
  try {
    run();
  } catch (error) {
    if (error instanceof NexusError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("node settings checks", () => {
  it("gives every node type that reads settings a schema of them", () => {
    const withoutSchema = builtinNodes
      .filter((definition) => !definition.dataSchema)
      .map((definition) => definition.type);
    // The body starts of iteration and loop read nothing.
    expect(withoutSchema).toEqual(["iteration-start", "loop-start"]);
  });

  it.each(settingsFixtures("rejected"))("rejects $name with a 400 naming the node and setting", (fixture) => {
    const error = rejectionOf(() => importDsl(fixture.yaml, registry));
    expect(error.type).toBe("invalid_request");
    expect(error.status).toBe(400);
    expect(error.message).toBe(fixture.expected);
  });

  it.each(settingsFixtures("accepted"))("accepts $name, and again after export", (fixture) => {
    const { definition, report } = importDsl(fixture.yaml, registry);
    expect(report.unsupportedNodes).toEqual([]);
    expect(() => importDsl(exportDsl(definition), registry)).not.toThrow();
  });

  it("checks graphs saved from the editor as imports are checked", () => {
    const graph = (loopCount: unknown) =>
      buildDefinition(
        [
          ["start", { type: "start", variables: [] }],
          ["loop", { type: "loop", loop_count: loopCount, break_conditions: [] }],
        ],
        [["start", "loop"]],
      );
    expect(() => validateGraph(graph(3), registry)).not.toThrow();
    expect(() => validateGraph(graph("3"), registry)).not.toThrow();
    expect(rejectionOf(() => validateGraph(graph({ times: 3 }), registry)).message).toBe(
      "Node 'loop' (loop): setting 'loop_count' must be a number, not an object",
    );
  });

  it("accepts every comparison operator the engine implements, in Dify's spellings (≠ ≥ ≤)", () => {
    const conditions = comparisonOperators.map((operator) => ({
      variable_selector: ["start", "q"],
      comparison_operator: operator,
      value: "1",
    }));
    const definition = buildDefinition(
      [
        ["start", { type: "start", variables: [{ variable: "q", type: "text-input" }] }],
        ["branch", { type: "if-else", cases: [{ case_id: "true", logical_operator: "or", conditions }] }],
      ],
      [["start", "branch"]],
    );
    expect(comparisonOperators).toEqual(expect.arrayContaining(["≠", "≥", "≤", ">=", "<="]));
    expect(() => validateGraph(definition, registry)).not.toThrow();
  });

  it("does not check the settings of node types it does not know (they are marked unsupported)", () => {
    const definition = buildDefinition(
      [
        ["start", { type: "start", variables: [] }],
        ["plugin", { type: "some-plugin-node", timeout: "whenever", cases: 3 }],
      ],
      [["start", "plugin"]],
    );
    expect(() => validateGraph(definition, registry)).not.toThrow();
  });

  it("names a missing required field and a wrong item deep in a list", () => {
    const definition = buildDefinition(
      [
        ["start", { type: "start", variables: [] }],
        [
          "classify",
          {
            type: "question-classifier",
            classes: [{ id: "1", name: "greeting" }, { name: "other" }],
            query_variable_selector: ["sys", "query"],
          },
        ],
        [
          "assign",
          { type: "assigner", items: [{ variable_selector: ["conversation", "x"], value: [1, 2] }] },
        ],
      ],
      [
        ["start", "classify"],
        ["classify", "assign", "1"],
      ],
    );
    expect(rejectionOf(() => validateGraph(definition, registry)).message).toBe(
      "Node 'classify' (classify): setting 'classes[1].id' is missing; it must be a string",
    );
    (definition.graph.nodes[1]?.data.classes as Array<{ id: string; name: string }>)[1] = {
      id: "2",
      name: "other",
    };
    definition.conversationVariables.push({ name: "x", value_type: "array[number]", value: [] });
    expect(rejectionOf(() => validateGraph(definition, registry)).message).toBe(
      `Node 'assign' (assign): setting 'items[0].operation' is missing; it must be one of ${assignerOperations.map((operation) => JSON.stringify(operation)).join(", ")}`,
    );
  });
});
