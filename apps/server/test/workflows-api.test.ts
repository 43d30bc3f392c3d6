import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import {
  approvalDefinition,
  buildDefinition,
  dslOf,
} from "../../../packages/workflows/src/testing/graph-builder.ts";
import { errorOf, serverBackends, startTestServer, type TestServer } from "./test-server.ts";
import { difyEvents, fixture } from "./workflows-helpers.ts";

/** The workflow API end to end: import, run (SSE and blocking), history, export, bad input, workspaces. */
describe.each(serverBackends)("workflows API on $store (redis: $redis)", (backend) => {
  let server: TestServer;
  let upstream: OpenAITestServer;
  let key: string;
  let otherKey: string;

  const importFixture = async (name: string, as = key) => {
    const response = await server.call("/api/workflows/import", {
      method: "POST",
      key: as,
      json: { yaml: fixture(name) },
    });
    expect(response.status).toBe(201);
    return (await response.json()) as {
      workflow: { id: string; mode: string };
      report: { unsupportedNodes: unknown[] };
    };
  };

  beforeAll(async () => {
    upstream = await startOpenAITestServer({
      models: {
        "gpt-4o": { chunkIntervalMs: 2 },
        "gpt-4o-mini": {},
        "gpt-3.5-turbo": {},
        "chatgpt-4o-latest": {},
        "slow-model": { delayMs: 3000 },
      },
    });
    server = await startTestServer(backend, {
      openaiUpstreams: [{ id: "double", baseURL: upstream.baseURL }],
    });
    key = await server.key("nexus-os");
    otherKey = await server.key("azi-learns-ai");
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  it("imports, lists, shows, runs blocking and keeps per-node history", async () => {
    const { workflow } = await importFixture("conditional_hello_branching_workflow.yml");
    const list = (await (await server.call("/api/workflows", { key })).json()) as {
      data: Array<{ id: string }>;
    };
    expect(list.data.map((item) => item.id)).toContain(workflow.id);
    const detail = (await (await server.call(`/api/workflows/${workflow.id}`, { key })).json()) as {
      workflow: { graph: { nodes: unknown[] }; inputs: Array<{ variable: string }>; version: number };
    };
    expect(detail.workflow.graph.nodes).toHaveLength(4);
    expect(detail.workflow.inputs.map((input) => input.variable)).toEqual(["query"]);
    const run = await server.call(`/api/workflows/${workflow.id}/runs`, {
      method: "POST",
      key,
      json: { inputs: { query: "say hello" }, response_mode: "blocking" },
    });
    expect(run.status).toBe(200);
    const body = (await run.json()) as { workflow_run_id: string; data: Record<string, unknown> };
    expect(body.data).toMatchObject({
      status: "succeeded",
      outputs: { true: "say hello" },
      total_steps: 3,
      error: null,
    });
    const history = (await (
      await server.call(`/api/workflow-runs/${body.workflow_run_id}`, { key })
    ).json()) as {
      run: { status: string; nodes: Array<{ nodeType: string; status: string; elapsedMs: number }> };
    };
    expect(history.run.status).toBe("succeeded");
    expect(history.run.nodes.map((node) => node.nodeType)).toEqual(["start", "if-else", "end"]);
    const runs = (await (await server.call(`/api/workflows/${workflow.id}/runs`, { key })).json()) as {
      data: Array<{ id: string }>;
    };
    expect(runs.data[0]?.id).toBe(body.workflow_run_id);
    // Another workspace sees none of it.
    expect((await server.call(`/api/workflows/${workflow.id}`, { key: otherKey })).status).toBe(404);
    expect((await server.call(`/api/workflow-runs/${body.workflow_run_id}`, { key: otherKey })).status).toBe(
      404,
    );
    const otherList = (await (await server.call("/api/workflows", { key: otherKey })).json()) as {
      data: Array<{ id: string }>;
    };
    expect(otherList.data.map((item) => item.id)).not.toContain(workflow.id);
    expect(
      (
        await server.call(`/api/workflows/${workflow.id}/runs`, {
          method: "POST",
          key: otherKey,
          json: { inputs: { query: "x" } },
        })
      ).status,
    ).toBe(404);
  });

  it("streams Dify's events with LLM text through the gateway, in the answer's order", async () => {
    const { workflow } = await importFixture("multilingual_parallel_llm_streaming_workflow.yml");
    const response = await server.call(`/api/workflows/${workflow.id}/runs`, {
      method: "POST",
      key,
      json: { inputs: {}, query: "one two three", response_mode: "streaming" },
    });
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const events = await difyEvents(response);
    expect(events[0]?.event).toBe("workflow_started");
    const messages = events
      .filter((event) => event.event === "message")
      .map((event) => event.answer as string);
    // The answer is {{LLM 2}}{{LLM 1}}: both say "You said: one two three", LLM 2's chunks first.
    expect(messages.join("")).toBe("You said: one two threeYou said: one two three");
    const answerStarted = events.findIndex(
      (event) =>
        event.event === "node_started" && (event.data as { node_type: string }).node_type === "answer",
    );
    const lastMessage = events.map((event) => event.event).lastIndexOf("message");
    expect(lastMessage).toBeLessThan(answerStarted);
    expect(events.at(-2)?.event).toBe("workflow_finished");
    expect(events.at(-1)).toMatchObject({ event: "message_end" });
    const systems = upstream
      .chatRequests()
      .slice(-2)
      .map((request) => (request.messages as Array<{ content: string }>)[0]?.content);
    expect(systems.sort()).toEqual(["Always speak Chinese.", "Always speak English."]);
  });

  it("keeps answer 1 before answer 2 (test-answer-order) and template order (response_stream_filter)", async () => {
    const order = await importFixture("test-answer-order.yml");
    const first = await server.call(`/api/workflows/${order.workflow.id}/runs`, {
      method: "POST",
      key,
      json: { inputs: {}, query: "hi there", response_mode: "streaming" },
    });
    const text = (await difyEvents(first))
      .filter((event) => event.event === "message")
      .map((event) => event.answer)
      .join("");
    expect(text).toBe("--- answer 1 ---\n\nfoo\n--- answer 2 ---\n\nYou said: hi there\n");
    const poems = await importFixture("response_stream_filter_issue_170_workflow.yml");
    const second = await server.call(`/api/workflows/${poems.workflow.id}/runs`, {
      method: "POST",
      key,
      json: { inputs: {}, query: "poem", response_mode: "blocking" },
    });
    const body = (await second.json()) as { answer: string };
    expect(body.answer).toMatch(/^# Du Fu\n\n.*\n\n# Li Bai\n\nYou said: poem$/s);
  });

  it("runs basic_llm_chat_workflow and the conditional LLM workflow, streaming text_chunk", async () => {
    const basic = await importFixture("basic_llm_chat_workflow.yml");
    const blocking = await server.call(`/api/workflows/${basic.workflow.id}/runs`, {
      method: "POST",
      key,
      json: { inputs: { query: "hello model" }, response_mode: "blocking" },
    });
    expect(((await blocking.json()) as { data: { outputs: unknown } }).data.outputs).toEqual({
      answer: "You said: hello model",
    });
    const conditional = await importFixture("conditional_streaming_vs_template_workflow.yml");
    const streamed = await difyEvents(
      await server.call(`/api/workflows/${conditional.workflow.id}/runs`, {
        method: "POST",
        key,
        json: { inputs: { query: "a b c", blocking: 0 }, response_mode: "streaming" },
      }),
    );
    const chunks = streamed
      .filter((event) => event.event === "text_chunk")
      .map((event) => (event.data as { text: string }).text);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join("")).toBe("You said: a b c");
    const finished = streamed.find((event) => event.event === "workflow_finished")?.data as {
      outputs: Record<string, unknown>;
    };
    expect(finished.outputs).toMatchObject({ text: "You said: a b c" });
    // blocking = 1: the text goes through a template and arrives whole, not streamed.
    const templated = await difyEvents(
      await server.call(`/api/workflows/${conditional.workflow.id}/runs`, {
        method: "POST",
        key,
        json: { inputs: { query: "d e", blocking: 1 }, response_mode: "streaming" },
      }),
    );
    expect(templated.filter((event) => event.event === "text_chunk")).toEqual([]);
    const whole = templated.find((event) => event.event === "workflow_finished")?.data as {
      outputs: Record<string, unknown>;
    };
    expect(Object.values(whole.outputs)).toContain("You said: d e");
    // Replay: the same inputs again, as a new run of the same version.
    const runId = templated[0]?.workflow_run_id as string;
    const replay = await server.call(`/api/workflow-runs/${runId}/replay`, { method: "POST", key, json: {} });
    const replayed = (await replay.json()) as {
      workflow_run_id: string;
      data: { outputs: Record<string, unknown> };
    };
    expect(replayed.workflow_run_id).not.toBe(runId);
    expect(replayed.data.outputs).toEqual(whole.outputs);
  });

  it("exports DSL that imports to the same graph", async () => {
    const { workflow } = await importFixture("dual_switch_variable_aggregator_workflow.yml");
    const exported = await server.call(`/api/workflows/${workflow.id}/export`, { key });
    expect(exported.headers.get("content-type")).toMatch(/yaml/);
    const yaml = await exported.text();
    const again = await server.call("/api/workflows/import", { method: "POST", key, json: { yaml } });
    const copy = (await again.json()) as { workflow: { id: string } };
    const [left, right] = await Promise.all(
      [workflow.id, copy.workflow.id].map(
        async (id) =>
          (
            (await (await server.call(`/api/workflows/${id}`, { key })).json()) as {
              workflow: { graph: unknown };
            }
          ).workflow.graph,
      ),
    );
    expect(right).toEqual(left);

    // A secret environment variable is exported blank unless include_secret=true, as Dify does.
    const withSecret = fixture("simple_passthrough_workflow.yml").replace(
      /environment_variables: \[\]/,
      "environment_variables: [{ id: v1, name: api_key, value_type: secret, value: sk-export-secret }]",
    );
    expect(withSecret).toContain("sk-export-secret");
    const secretImport = await server.call("/api/workflows/import", {
      method: "POST",
      key,
      json: { yaml: withSecret },
    });
    const secretId = ((await secretImport.json()) as { workflow: { id: string } }).workflow.id;
    const blank = await (await server.call(`/api/workflows/${secretId}/export`, { key })).text();
    expect(blank).toContain("api_key");
    expect(blank).not.toContain("sk-export-secret");
    const whole = await server.call(`/api/workflows/${secretId}/export?include_secret=true`, { key });
    expect(await whole.text()).toContain("sk-export-secret");
    // The workflow's detail shows the variable, not its value.
    const shown = await (await server.call(`/api/workflows/${secretId}`, { key })).text();
    expect(shown).toContain("api_key");
    expect(shown).not.toContain("sk-export-secret");
  });

  it("refuses bad input with Dify-shaped errors, and the server stays up", async () => {
    const bad = async (path: string, json: unknown, status: number, message: RegExp, method = "POST") => {
      const response = await server.call(path, { method, key, json });
      expect(response.status).toBe(status);
      expect((await errorOf(response)).message).toMatch(message);
    };
    await bad("/api/workflows/import", { yaml: "app: [" }, 400, /Invalid YAML/);
    await bad("/api/workflows/import", { yaml: fixture("minimal_not_an_app.yml") }, 400, /'app' section/);
    await bad("/api/workflows/import", {}, 400, /yaml/);
    const tooBig = await server.call("/api/workflows/import", {
      method: "POST",
      key,
      json: { yaml: `# ${"x".repeat(10 * 1024 * 1024)}` },
    });
    expect(tooBig.status).toBe(413);
    await errorOf(tooBig);
    const { workflow } = await importFixture("simple_passthrough_workflow.yml");
    await bad(
      `/api/workflows/${workflow.id}/runs`,
      { inputs: {}, response_mode: "blocking" },
      400,
      /Input 'query' is required/,
    );
    await bad(
      `/api/workflows/${workflow.id}/runs`,
      { inputs: { query: 5 }, response_mode: "blocking" },
      400,
      /must be a string/,
    );
    await bad(
      `/api/workflows/${workflow.id}/runs`,
      { inputs: { query: "x" }, response_mode: "sideways" },
      400,
      /response_mode/,
    );
    const detail = (await (await server.call(`/api/workflows/${workflow.id}`, { key })).json()) as {
      workflow: { graph: { nodes: Array<{ id: string }>; edges: Array<Record<string, string>> } };
    };
    const graph = detail.workflow.graph;
    const [startId, endId] = [graph.nodes[0]?.id as string, graph.nodes[1]?.id as string];
    const cyclic = {
      ...graph,
      edges: [
        ...graph.edges,
        { id: "back", source: endId, target: startId, sourceHandle: "source", targetHandle: "target" },
      ],
    };
    await bad(`/api/workflows/${workflow.id}`, { graph: cyclic }, 400, /cycle through node/, "PUT");
    await bad(
      `/api/workflows/${workflow.id}`,
      { graph: { ...graph, edges: [...graph.edges, { id: "d", source: startId, target: "nowhere" }] } },
      400,
      /'nowhere', which is not in the graph/,
      "PUT",
    );
    await bad("/api/workflows/wf_missing/runs", { inputs: {} }, 404, /not found/);
    expect((await server.call("/api/health", {})).status).toBeLessThan(500);
  });

  it("stops a running run, and a reconnecting client resumes the stream", async () => {
    const yaml = fixture("basic_llm_chat_workflow.yml").replace("gpt-3.5-turbo", "slow-model");
    const imported = await server.call("/api/workflows/import", { method: "POST", key, json: { yaml } });
    const { workflow } = (await imported.json()) as { workflow: { id: string } };
    const controller = new AbortController();
    const response = await server.call(`/api/workflows/${workflow.id}/runs`, {
      method: "POST",
      key,
      json: { inputs: { query: "slow" }, response_mode: "streaming" },
      signal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const started = JSON.parse(/data: (.*)/.exec(first)?.[1] ?? "{}") as { workflow_run_id: string };
    // A run just started is readable at once (from memory until its first write).
    const early = await server.call(`/api/workflow-runs/${started.workflow_run_id}`, { key });
    expect(early.status).toBe(200);
    expect(["running", "queued"]).toContain(((await early.json()) as { run: { status: string } }).run.status);
    controller.abort();
    // Connected (headers in) before the stop, so the stream it resumes is the live one.
    const resumed = await server.call(`/api/workflow-runs/${started.workflow_run_id}/events`, {
      key,
      headers: { "last-event-id": "1" },
    });
    const stop = await server.call(`/api/workflow-runs/${started.workflow_run_id}/stop`, {
      method: "POST",
      key,
      json: {},
    });
    expect(await stop.json()).toEqual({ result: "success" });
    const events = await difyEvents(resumed);
    expect(events[0]?._id).toBe(2);
    expect(events.map((event) => event.event)).not.toContain("workflow_started");
    expect(events.at(-1)).toMatchObject({ event: "workflow_finished", data: { status: "stopped" } });
    const run = (await (
      await server.call(`/api/workflow-runs/${started.workflow_run_id}`, { key })
    ).json()) as { run: { status: string } };
    expect(run.run.status).toBe("stopped");
    const again = await server.call(`/api/workflow-runs/${started.workflow_run_id}/stop`, {
      method: "POST",
      key,
      json: {},
    });
    expect(again.status).toBe(409);
  });

  it("answers a paused human-input node over HTTP, and rolls a saved edit back in one call", async () => {
    const definition = approvalDefinition();
    const imported = await server.call("/api/workflows/import", {
      method: "POST",
      key,
      json: { yaml: dslOf(definition) },
    });
    const { workflow } = (await imported.json()) as { workflow: { id: string } };
    const response = await server.call(`/api/workflows/${workflow.id}/runs`, {
      method: "POST",
      key,
      json: { inputs: {}, response_mode: "streaming" },
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes('"event":"human_input_required"')) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`the stream ended before the form: ${text}`);
      text += new TextDecoder().decode(chunk.value);
    }
    const runId = (JSON.parse(/data: (.*)/.exec(text)?.[1] ?? "{}") as { workflow_run_id: string })
      .workflow_run_id;
    // Paused is stored as the form goes out; on a worker, a moment after it arrives here.
    await expect
      .poll(
        async () =>
          (
            (await (await server.call(`/api/workflow-runs/${runId}`, { key })).json()) as {
              run: { status: string };
            }
          ).run.status,
      )
      .toBe("paused");
    const answer = (json: unknown, as = key) =>
      server.call(`/api/workflow-runs/${runId}/human-input`, { method: "POST", key: as, json });
    expect((await answer({ node_id: "s", inputs: {} })).status).toBe(409);
    expect(
      (await answer({ node_id: "ask", action: "approve", inputs: { comment: "x" } }, otherKey)).status,
    ).toBe(404);
    const incomplete = await answer({ node_id: "ask", action: "approve", inputs: {} });
    expect(incomplete.status).toBe(400);
    expect((await errorOf(incomplete)).message).toBe("The answer has no 'comment', which the form requires");
    const answered = await answer({ node_id: "ask", action: "approve", inputs: { comment: "ship it" } });
    expect(answered.status).toBe(200);
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    expect(text).toMatch(/"event":"workflow_finished".*"status":"succeeded".*"approved":"ship it"/);
    expect((await answer({ node_id: "ask", action: "approve", inputs: { comment: "again" } })).status).toBe(
      409,
    );

    // Save an edit (version 2), then roll back to version 1 in one call: version 3 is version 1's graph.
    const detail = (await (await server.call(`/api/workflows/${workflow.id}`, { key })).json()) as {
      workflow: { graph: { nodes: Array<{ id: string; data: { title: string } }>; edges: unknown[] } };
    };
    const edited = structuredClone(detail.workflow.graph);
    for (const node of edited.nodes) if (node.id === "ask") node.data.title = "Approve (edited)";
    const saved = await server.call(`/api/workflows/${workflow.id}`, {
      method: "PUT",
      key,
      json: { graph: edited },
    });
    expect(((await saved.json()) as { workflow: { version: number } }).workflow.version).toBe(2);
    const versions = (await (
      await server.call(`/api/workflows/${workflow.id}/versions`, { key })
    ).json()) as {
      data: Array<{ version: number }>;
    };
    expect(versions.data.map((version) => version.version)).toEqual([2, 1]);
    const rolledBack = await server.call(`/api/workflows/${workflow.id}/rollback`, {
      method: "POST",
      key,
      json: { version: 1 },
    });
    expect(rolledBack.status).toBe(200);
    const back = (await rolledBack.json()) as {
      workflow: { version: number; graph: { nodes: Array<{ id: string; data: { title: string } }> } };
    };
    expect(back.workflow.version).toBe(3);
    expect(back.workflow.graph.nodes.find((node) => node.id === "ask")?.data.title).toBe("Approve");
    const missing = await server.call(`/api/workflows/${workflow.id}/rollback`, {
      method: "POST",
      key,
      json: { version: 9 },
    });
    expect(missing.status).toBe(404);
  });

  it("an agent node calls its tools through the gateway until the model answers", async () => {
    const yaml = `app:
  mode: workflow
  name: agent
kind: app
version: 0.5.0
workflow:
  graph:
    nodes:
    - id: s
      data: { type: start, title: Start, variables: [{ variable: ask, type: text-input, required: true }] }
    - id: agent
      data:
        type: agent
        title: Agent
        agent_strategy_name: function_calling
        agent_parameters:
          model: { value: { model: gpt-4o-mini } }
          instruction: { value: "Use tools." }
          query: { value: "{{#s.ask#}}" }
          tools: { value: [{ provider_name: time, tool_name: current_time, enabled: true }] }
    - id: e
      data: { type: end, title: End, outputs: [{ variable: text, value_selector: [agent, text] }, { variable: calls, value_selector: [agent, tool_calls] }] }
    edges:
    - { source: s, target: agent }
    - { source: agent, target: e }
`;
    const imported = await server.call("/api/workflows/import", { method: "POST", key, json: { yaml } });
    expect(imported.status).toBe(201);
    const { workflow } = (await imported.json()) as { workflow: { id: string } };
    const run = await server.call(`/api/workflows/${workflow.id}/runs`, {
      method: "POST",
      key,
      json: { inputs: { ask: "what time is it" }, response_mode: "blocking" },
    });
    const body = (await run.json()) as {
      data: { status: string; outputs: { text: string; calls: Array<{ tool: string }> } };
    };
    expect(body.data.status).toBe("succeeded");
    expect(body.data.outputs.calls.map((call) => call.tool)).toEqual(["current_time"]);
    expect(body.data.outputs.text).toMatch(/^Tool said: \d{4}-\d{2}-\d{2} /);
    const sent = upstream.chatRequests().at(-1) as { tools?: Array<{ function: { name: string } }> };
    expect(sent.tools?.map((tool) => tool.function.name)).toEqual(["current_time"]);
  });
});
