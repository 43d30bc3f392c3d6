import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { builtinNodes } from "../nodes/registry.ts";
import { nodeDataProblem, nodeDataSchemas } from "./index.ts";

/** Every module `file` loads at run time (type-only imports are erased), itself included. */
function runtimeImports(file: string, seen = new Set<string>()): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const visit = (current: string) => {
    if (seen.has(current)) return;
    seen.add(current);
    const source = fs.readFileSync(current, "utf8");
    const specifiers = [...source.matchAll(/^(?:import|export)(?! type)[^;]*?from "([^"]+)";/gms)].map(
      (match) => match[1] as string,
    );
    found.set(current, specifiers);
    for (const specifier of specifiers) {
      if (specifier.startsWith(".")) visit(path.resolve(path.dirname(current), specifier));
    }
  };
  visit(file);
  return found;
}

describe("node data schemas (shared with the web editor)", () => {
  it("are the schemas the node definitions check import and save with", () => {
    const withSchema = builtinNodes.filter((definition) => definition.dataSchema);
    expect(Object.keys(nodeDataSchemas).sort()).toEqual(
      withSchema.map((definition) => definition.type).sort(),
    );
    for (const definition of withSchema) expect(nodeDataSchemas[definition.type]).toBe(definition.dataSchema);
  });

  it("load nothing but zod and each other, so a browser bundle can carry them", () => {
    const modules = runtimeImports(path.join(import.meta.dirname, "index.ts"));
    const outside = [...modules].flatMap(([file, specifiers]) =>
      specifiers
        .filter((specifier) => specifier !== "zod" && !specifier.startsWith("."))
        .map((specifier) => `${path.basename(file)}: ${specifier}`),
    );
    expect(outside).toEqual([]);
    expect(modules.size).toBeGreaterThan(5);
    // The option lists a form offers load without zod (`@nexus/workflows/node-options`).
    const options = runtimeImports(path.join(import.meta.dirname, "node-options.ts"));
    expect([...options.values()].flat().filter((specifier) => !specifier.startsWith("."))).toEqual([]);
  });

  it("word a problem as import does, and check only shared settings of unknown types", () => {
    expect(
      nodeDataProblem({ type: "assigner", items: [{ variable_selector: [], operation: "merge" }] }),
    ).toMatch(/^setting 'items\[0\]\.operation' must be one of "over-write", .*, not a string \("merge"\)$/);
    expect(nodeDataProblem({ type: "end", outputs: "x" })).toBe(
      `setting 'outputs' must be an array, not a string ("x")`,
    );
    expect(nodeDataProblem({ type: "some-plugin", anything: [1] })).toBeUndefined();
    expect(nodeDataProblem({ type: "some-plugin", error_strategy: "retry" })).toMatch(
      /^setting 'error_strategy'/,
    );
    expect(nodeDataProblem([1])).toBe("its settings must be an object, not an array");
  });
});
