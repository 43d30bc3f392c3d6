import { createGateway, createOpenAICompatibleProvider, type Gateway } from "@nexus/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../gateway/src/testing/openai-test-server.ts";
import { type RunWorkflowOptions, runWorkflow } from "../engine/run-workflow.ts";
import { buildDefinition } from "../testing/graph-builder.ts";
import { builtinNodes, createNodeRegistry } from "./registry.ts";

/**
 * The model nodes' own settings on the wire (question-classifier, llm structured output and
 * vision) through a real gateway to the OpenAI test double, which answers `You said: <text>`, or
 * `{"echo": <text>}` when a JSON response format is asked for. And iteration's error modes.
 */
const registry = createNodeRegistry(builtinNodes);
let upstream: OpenAITestServer;
let gateway: Gateway;

beforeAll(async () => {
  upstream = await startOpenAITestServer();
  gateway = createGateway({
    providers: [createOpenAICompatibleProvider({ id: "double", baseURL: upstream.baseURL })],
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const model = { provider: "double", name: "double/test-chat", mode: "chat", completion_params: {} };

function run(
  definition: RunWorkflowOptions["definition"],
  inputs: Record<string, unknown> = {},
  system: Record<string, unknown> = {},
) {
  return runWorkflow({
    definition,
    registry,
    services: { workspaceId: "ws", apiKeyId: null, mode: definition.mode, gateway },
    inputs,
    system: { workflow_run_id: "run", ...system },
    onEvent: () => {},
  });
}

describe("question-classifier node", () => {
  const definition = buildDefinition(
    [
      ["s", { type: "start", variables: [{ variable: "q", type: "text-input" }] }],
      [
        "qc",
        {
          type: "question-classifier",
          model,
          query_variable_selector: ["s", "q"],
          instruction: "Route support mail.",
          classes: [
            { id: "c-billing", name: "billing" },
            { id: "c-shipping", name: "shipping" },
          ],
        },
      ],
      ["bill", { type: "end", outputs: [{ variable: "team", value_selector: ["qc", "class_name"] }] }],
      ["ship", { type: "end", outputs: [{ variable: "parcel", value_selector: ["qc", "class_id"] }] }],
    ],
    [
      ["s", "qc"],
      ["qc", "bill", "c-billing"],
      ["qc", "ship", "c-shipping"],
    ],
  );

  it("asks the model with the classes listed and follows the branch of the class it names", async () => {
    const before = upstream.chatRequests().length;
    const outcome = await run(definition, { q: "where is my shipping box" });
    expect(outcome.error).toBeUndefined();
    expect(outcome.outputs).toEqual({ parcel: "c-shipping" });
    const [request] = upstream.chatRequests().slice(before);
    const messages = request?.messages as Array<{ role: string; content: string }>;
    expect(messages[0]?.role).toBe("system");
    expect(messages[0]?.content).toContain("- c-billing: billing\n- c-shipping: shipping");
    expect(messages[0]?.content).toContain("Route support mail.");
    expect(messages.at(-1)).toEqual({ role: "user", content: "where is my shipping box" });
  });

  it("takes the first class when the answer names none, as Dify does", async () => {
    const outcome = await run(definition, { q: "hello there" });
    expect(outcome.outputs).toEqual({ team: "billing" });
  });
});

describe("llm node", () => {
  const llm = (extra: Record<string, unknown>) =>
    buildDefinition(
      [
        ["s", { type: "start", variables: [{ variable: "q", type: "text-input" }] }],
        ["llm", { type: "llm", model, prompt_template: [{ role: "user", text: "{{#s.q#}}" }], ...extra }],
        [
          "e",
          {
            type: "end",
            outputs: [
              { variable: "text", value_selector: ["llm", "text"] },
              { variable: "structured", value_selector: ["llm", "structured_output"] },
            ],
          },
        ],
      ],
      [
        ["s", "llm"],
        ["llm", "e"],
      ],
    );

  it("asks for its structured output's JSON Schema and gives the parsed answer as structured_output", async () => {
    const schema = { type: "object", properties: { echo: { type: "string" } }, required: ["echo"] };
    const before = upstream.chatRequests().length;
    const outcome = await run(llm({ structured_output_enabled: true, structured_output: { schema } }), {
      q: "wings",
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.outputs.structured).toEqual({ echo: "wings" });
    expect(upstream.chatRequests().slice(before)[0]?.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "output", schema },
    });
  });

  it("sends the run's image files to the model with the prompt when vision is on, and none when off", async () => {
    const files = [
      { type: "image", url: "https://images.example/cat.png" },
      { type: "document", url: "https://files.example/notes.pdf" },
    ];
    const before = upstream.chatRequests().length;
    const on = await run(llm({ vision: { enabled: true } }), { q: "what is this" }, { files });
    expect(on.error).toBeUndefined();
    const off = await run(llm({ vision: { enabled: false } }), { q: "what is this" }, { files });
    expect(off.error).toBeUndefined();
    const [withVision, without] = upstream.chatRequests().slice(before) as Array<{
      messages: Array<{ role: string; content: unknown }>;
    }>;
    expect(withVision?.messages.at(-1)).toEqual({
      role: "user",
      content: [
        { type: "text", text: "what is this" },
        { type: "image_url", image_url: { url: "https://images.example/cat.png" } },
      ],
    });
    expect(without?.messages.at(-1)).toEqual({ role: "user", content: "what is this" });
  });
});

describe("iteration error modes", () => {
  const iteration = (mode: string) =>
    buildDefinition(
      [
        ["s", { type: "start", variables: [{ variable: "items", type: "json" }] }],
        [
          "it",
          {
            type: "iteration",
            iterator_selector: ["s", "items"],
            output_selector: ["times", "result"],
            start_node_id: "it-start",
            error_handle_mode: mode,
          },
        ],
        ["it-start", { type: "iteration-start", isInIteration: true, iteration_id: "it" }],
        [
          "times",
          {
            type: "code",
            isInIteration: true,
            iteration_id: "it",
            code_language: "javascript",
            code: 'function main({ item }) { if (item === 2) throw new Error("no twos"); return { result: item * 10 }; }',
            variables: [{ variable: "item", value_selector: ["it", "item"] }],
            outputs: { result: { type: "number", children: null } },
          },
        ],
        ["e", { type: "end", outputs: [{ variable: "out", value_selector: ["it", "output"] }] }],
      ],
      [
        ["s", "it"],
        ["it-start", "times"],
        ["it", "e"],
      ],
    );

  it("terminated fails the node at the failing round, naming it", async () => {
    const outcome = await run(iteration("terminated"), { items: [1, 2, 3] });
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(/Round 2 of .*it.* failed: .*no twos/);
  });

  it("continue-on-error keeps null for the failing item", async () => {
    const outcome = await run(iteration("continue-on-error"), { items: [1, 2, 3] });
    expect(outcome.error).toBeUndefined();
    expect(outcome.outputs).toEqual({ out: [10, null, 30] });
  });

  it("remove-abnormal-output leaves the failing item out", async () => {
    const outcome = await run(iteration("remove-abnormal-output"), { items: [1, 2, 3] });
    expect(outcome.error).toBeUndefined();
    expect(outcome.outputs).toEqual({ out: [10, 30] });
  });
});
