import { describe, expect, it } from "vitest";
import { runWorkflow } from "../engine/run-workflow.ts";
import { createNodeRegistry } from "../nodes/registry.ts";
import { difyFixtureNames, readDifyFixture } from "../testing/dify-fixtures.ts";
import { exportDsl } from "./export-dsl.ts";
import { importDsl } from "./import-dsl.ts";

const registry = createNodeRegistry();
const appFixtures = difyFixtureNames().filter((name) => name !== "minimal_not_an_app.yml");

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a rejection");
}

const minimal = (graph: string, extra = "") => `app:
  mode: workflow
  name: t
kind: app
version: 0.3.1
workflow:
${extra}  graph:
${graph}`;

describe("Dify DSL import", () => {
  it.each(appFixtures)("imports %s, and export → import gives the same graph", (name) => {
    const { definition, report } = importDsl(readDifyFixture(name), registry);
    expect(definition.graph.nodes.length).toBeGreaterThan(0);
    expect(["workflow", "advanced-chat"]).toContain(definition.mode);
    const again = importDsl(exportDsl(definition), registry);
    expect(again.definition.graph).toEqual(definition.graph);
    expect(again.definition.mode).toBe(definition.mode);
    expect(again.definition.conversationVariables).toEqual(definition.conversationVariables);
    expect(again.report.unsupportedNodes).toEqual(report.unsupportedNodes);
  });

  it("runs read environment variables; export blanks secret ones unless asked, as Dify does", async () => {
    const yaml = minimal(
      `    nodes:
    - id: s
      data: { type: start, title: Start, variables: [] }
    - id: t
      data: { type: template-transform, title: T, template: "{{ who }} {{ key }}", variables: [{ variable: who, value_selector: [env, greeting] }, { variable: key, value_selector: [env, api_key] }] }
    - id: e
      data: { type: end, title: End, outputs: [{ variable: out, value_selector: [t, output] }] }
    edges:
    - { source: s, target: t }
    - { source: t, target: e }
`,
      `  environment_variables:
  - { id: v1, name: greeting, value_type: string, value: hello }
  - { id: v2, name: api_key, value_type: secret, value: sk-do-not-leak }
`,
    );
    const { definition } = importDsl(yaml, registry);
    const outcome = await runWorkflow({
      definition,
      registry,
      services: { workspaceId: "ws", apiKeyId: null, mode: definition.mode },
      inputs: {},
      system: { workflow_run_id: "run" },
    });
    expect(outcome.outputs).toEqual({ out: "hello sk-do-not-leak" });

    const exported = exportDsl(definition);
    expect(exported).not.toContain("sk-do-not-leak");
    const again = importDsl(exported, registry).definition.environmentVariables;
    expect(again).toEqual([
      { id: "v1", name: "greeting", value_type: "string", value: "hello" },
      { id: "v2", name: "api_key", value_type: "secret", value: "" },
    ]);
    expect(exportDsl(definition, { includeSecrets: true })).toContain("sk-do-not-leak");
  });

  it("rejects a file that is not an app export, saying why", () => {
    expect(messageOf(() => importDsl(readDifyFixture("minimal_not_an_app.yml"), registry))).toMatch(
      /Not a Dify app DSL: .*'app' section/,
    );
  });

  it("imports nodes it cannot run, marks them and lists them in the report", () => {
    const knowledge = importDsl(readDifyFixture("knowledge_retrieval_v2_workflow.yml"), registry);
    expect(knowledge.report.unsupportedNodes).toEqual([
      expect.objectContaining({
        type: "knowledge-retrieval-v2",
        reason: expect.stringContaining("not supported"),
      }),
    ]);
    const node = knowledge.definition.graph.nodes.find((item) => item.data.type === "knowledge-retrieval-v2");
    expect(node?.data._unsupported).toMatch(/knowledge-retrieval-v2/);
    const search = importDsl(readDifyFixture("search_dify_from_2023_to_2025.yml"), registry);
    expect(search.report.unsupportedNodes).toEqual([
      expect.objectContaining({ type: "tool", reason: expect.stringContaining("perplexity") }),
    ]);
    expect(exportDsl(search.definition)).not.toContain("_unsupported");
  });

  it("rejects invalid YAML, other app modes, newer versions and oversized files with the reason", () => {
    expect(messageOf(() => importDsl("app: [unclosed", registry))).toMatch(/^Invalid YAML/);
    expect(messageOf(() => importDsl("- a\n- b\n", registry))).toMatch(/not a mapping/);
    expect(
      messageOf(() => importDsl("app:\n  mode: chat\n  name: x\nkind: app\nversion: 0.3.0\n", registry)),
    ).toMatch(/mode 'chat' is not a workflow/);
    expect(
      messageOf(() =>
        importDsl(minimal("    nodes: []\n").replace("version: 0.3.1", "version: 0.9.0"), registry),
      ),
    ).toMatch(/newer than the newest Nexus reads \(0\.5\.0\)/);
    const huge = `# ${"x".repeat(10 * 1024 * 1024)}\n`;
    expect(messageOf(() => importDsl(huge, registry))).toMatch(/10\.0 MB; the limit is 4 MB/);
  });

  it("rejects cycles, dangling edges and unknown variables, naming the node", () => {
    const nodes = `    nodes:
    - id: s
      data: { type: start, title: Start, variables: [] }
    - id: a
      data: { type: template-transform, title: A, template: x, variables: [] }
    - id: b
      data: { type: template-transform, title: B, template: "{{#a.output#}}", variables: [] }
`;
    const cycle = `${nodes}    edges:
    - { source: s, target: a }
    - { source: a, target: b }
    - { source: b, target: a }
`;
    expect(messageOf(() => importDsl(minimal(cycle), registry))).toMatch(
      /cycle through node '(A|B)' \((a|b)\)/,
    );
    const dangling = `${nodes}    edges:
    - { source: s, target: a }
    - { id: e2, source: a, target: ghost }
`;
    expect(messageOf(() => importDsl(minimal(dangling), registry))).toBe(
      "Edge 'e2' connects to node 'ghost', which is not in the graph",
    );
    const unknownVariable = `${nodes.replace("{{#a.output#}}", "{{#nowhere.output#}}")}    edges:
    - { source: s, target: a }
    - { source: a, target: b }
`;
    expect(messageOf(() => importDsl(minimal(unknownVariable), registry))).toBe(
      "Node 'B' (b) reads 'nowhere.output', but there is no node 'nowhere'",
    );
    const unknownEnv = unknownVariable.replace("{{#nowhere.output#}}", "{{#env.secret#}}");
    expect(messageOf(() => importDsl(minimal(unknownEnv), registry))).toMatch(
      /Node 'B' \(b\) reads environment variable 'secret', which is not declared/,
    );
    expect(messageOf(() => importDsl(minimal("    nodes: []\n"), registry))).toBe("The graph has no nodes");
  });
});
