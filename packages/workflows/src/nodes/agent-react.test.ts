import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createGateway, createOpenAICompatibleProvider, type Gateway } from "@nexus/gateway";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runWorkflow } from "../engine/run-workflow.ts";
import { buildDefinition } from "../testing/graph-builder.ts";
import { builtinNodes, createNodeRegistry } from "./registry.ts";

/**
 * The agent node's ReAct strategy (Dify's `agent_strategy_name: ReAct`): tools are described in
 * the prompt and the model answers in text (Thought / Action JSON / Final Answer), so it works
 * with models that cannot call functions. A scripted OpenAI-style server plays the model.
 */
const registry = createNodeRegistry(builtinNodes);
let server: Server;
let gateway: Gateway;
let script: string[] = [];
const requests: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      requests.push(JSON.parse(body) as Record<string, unknown>);
      const content = script.shift() ?? "Script exhausted";
      response.setHeader("content-type", "application/json");
      response.end(
        JSON.stringify({
          id: `chatcmpl-${requests.length}`,
          object: "chat.completion",
          created: 1_700_000_000,
          model: "react-model",
          choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  gateway = createGateway({
    providers: [createOpenAICompatibleProvider({ id: "script", baseURL: `http://127.0.0.1:${port}/v1` })],
  });
});
afterAll(async () => {
  await gateway?.close();
  await new Promise((resolve) => server?.close(resolve));
});
beforeEach(() => {
  requests.length = 0;
  script = [];
});

function agentWorkflow(strategy: string, maxRounds = 5) {
  return buildDefinition(
    [
      ["start", { type: "start", variables: [] }],
      [
        "agent",
        {
          type: "agent",
          agent_strategy_name: strategy,
          agent_parameters: {
            model: { value: "script/react-model" },
            instruction: { value: "You read JSON for people." },
            query: { value: 'What is the name in {"user": {"name": "Ada"}}?' },
            tools: { value: [{ provider_name: "json_process", tool_name: "json_parse" }] },
            maximum_iterations: { value: maxRounds },
          },
        },
      ],
      [
        "end",
        {
          type: "end",
          outputs: [
            { variable: "text", value_selector: ["agent", "text"] },
            { variable: "calls", value_selector: ["agent", "tool_calls"] },
          ],
        },
      ],
    ],
    [
      ["start", "agent"],
      ["agent", "end"],
    ],
  );
}

const run = (strategy: string, maxRounds?: number) =>
  runWorkflow({
    definition: agentWorkflow(strategy, maxRounds),
    registry,
    services: { workspaceId: "ws", apiKeyId: null, mode: "workflow", gateway },
    inputs: {},
    system: { workflow_run_id: "run" },
  });

describe("agent node, ReAct strategy", () => {
  it("describes the tools in the prompt, runs the action the model writes, and ends at its Final Answer", async () => {
    script = [
      'Thought: I should parse it.\nAction:\n```json\n{"action": "json_parse", "action_input": {"content": "{\\"user\\": {\\"name\\": \\"Ada\\"}}", "query": "user.name"}}\n```',
      'Thought: I know what to respond\nAction:\n```\n{"action": "Final Answer", "action_input": "The name is Ada."}\n```',
    ];
    const outcome = await run("ReAct");
    expect(outcome.error).toBeUndefined();
    expect(outcome.outputs.text).toBe("The name is Ada.");
    expect(outcome.outputs.calls).toEqual([
      {
        tool: "json_parse",
        arguments: { content: '{"user": {"name": "Ada"}}', query: "user.name" },
        result: "Ada",
      },
    ]);
    // No function calling on the wire: the tools are in the system prompt, the result comes back as text.
    expect(requests).toHaveLength(2);
    for (const request of requests) expect(request.tools).toBeUndefined();
    const [first, second] = requests as Array<{ messages: Array<{ role: string; content: string }> }>;
    expect(first?.messages[0]?.role).toBe("system");
    expect(first?.messages[0]?.content).toContain("You read JSON for people.");
    expect(first?.messages[0]?.content).toContain("json_parse: Parses a JSON text");
    expect(first?.messages.at(-1)?.content).toContain(
      'Question: What is the name in {"user": {"name": "Ada"}}?',
    );
    expect(second?.messages.at(-1)).toEqual({ role: "user", content: "Observation: Ada" });
  });

  it("takes a plain answer with no action as the final answer, and reports an unknown tool to the model", async () => {
    script = [
      'Action:\n```\n{"action": "search_web", "action_input": {"q": "Ada"}}\n```',
      "Final Answer: I cannot search, but the name is Ada.",
    ];
    const outcome = await run("ReAct");
    expect(outcome.outputs.text).toBe("I cannot search, but the name is Ada.");
    const second = requests[1] as { messages: Array<{ content: string }> };
    expect(second.messages.at(-1)?.content).toMatch(/^Observation: Unknown tool 'search_web'/);
  });

  it("stops after maximum_iterations rounds without a final answer, naming the limit", async () => {
    script = Array.from(
      { length: 5 },
      () => 'Action:\n```\n{"action": "json_parse", "action_input": {"content": "[1]"}}\n```',
    );
    const outcome = await run("ReAct", 2);
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(/did not answer within 2 rounds/);
    expect(requests).toHaveLength(2);
  });

  it("function_calling still sends the tools as functions", async () => {
    script = ["The name is Ada."];
    const outcome = await run("function_calling");
    expect(outcome.outputs.text).toBe("The name is Ada.");
    expect(requests[0]?.tools).toHaveLength(1);
  });
});
