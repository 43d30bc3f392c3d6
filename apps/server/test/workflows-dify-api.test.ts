import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { errorOf, startTestServer, type TestServer } from "./test-server.ts";
import { difyEvents, fixture } from "./workflows-helpers.ts";

/**
 * The Dify-compatible app API, called with raw HTTP exactly as Dify's docs and SDKs do:
 * app keys per published workflow, /v1/workflows/run and /v1/chat-messages (blocking and
 * streaming), stop by task id, run detail.
 */
describe("Dify app API", () => {
  let server: TestServer;
  let upstream: OpenAITestServer;
  let key: string;

  const publish = async (name: string, yaml = fixture(name)) => {
    const imported = await server.call("/api/workflows/import", { method: "POST", key, json: { yaml } });
    const { workflow } = (await imported.json()) as { workflow: { id: string } };
    const created = await server.call(`/api/workflows/${workflow.id}/app-keys`, {
      method: "POST",
      key,
      json: {},
    });
    expect(created.status).toBe(201);
    const { key: appKey, id } = (await created.json()) as { key: string; id: string };
    expect(appKey).toMatch(/^app-/);
    return { workflowId: workflow.id, appKey, keyId: id };
  };
  /** basic_chatflow.yml with its empty model set to `model` of the OpenAI-compatible double. */
  const chatflowOn = (model: string) =>
    fixture("basic_chatflow.yml").replace(
      /name: ''\n(\s+)provider: ''/,
      `name: ${model}\n$1provider: openai`,
    );
  const dify = (path: string, appKey: string, json?: unknown, method = "POST") =>
    server.call(path, { method, json, headers: { authorization: `Bearer ${appKey}` } });

  beforeAll(async () => {
    upstream = await startOpenAITestServer({
      models: {
        "gpt-3.5-turbo": {},
        "chatgpt-4o-latest": {},
        "slow-model": { delayMs: 3000 },
        broken: { status: 500 },
      },
    });
    server = await startTestServer(
      { store: "sqlite", redis: false },
      { openaiUpstreams: [{ id: "double", baseURL: upstream.baseURL }] },
    );
    key = await server.key("nexus-os");
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  it("POST /v1/workflows/run blocking and streaming, and GET /v1/workflows/run/:id", async () => {
    const { appKey } = await publish("simple_passthrough_workflow.yml");
    const blocking = await dify("/v1/workflows/run", appKey, {
      inputs: { query: "ping" },
      response_mode: "blocking",
      user: "abc-123",
    });
    expect(blocking.status).toBe(200);
    const body = (await blocking.json()) as {
      workflow_run_id: string;
      task_id: string;
      data: Record<string, unknown>;
    };
    expect(body.task_id).toEqual(expect.any(String));
    expect(body.data).toMatchObject({
      id: body.workflow_run_id,
      status: "succeeded",
      outputs: { query: "ping" },
      error: null,
      total_steps: 2,
    });
    expect(body.data.elapsed_time).toEqual(expect.any(Number));
    const streamed = await difyEvents(
      await dify("/v1/workflows/run", appKey, {
        inputs: { query: "pong" },
        response_mode: "streaming",
        user: "abc-123",
      }),
    );
    expect(streamed.map((event) => event.event)).toEqual([
      "workflow_started",
      "node_started",
      "node_finished",
      "node_started",
      "node_finished",
      "workflow_finished",
    ]);
    expect(streamed[2]).toMatchObject({
      data: { node_type: "start", status: "succeeded", outputs: { query: "pong" } },
    });
    const info = await dify("/v1/info", appKey, undefined, "GET");
    expect(await info.json()).toMatchObject({ mode: "workflow" });
    const parameters = (await (await dify("/v1/parameters", appKey, undefined, "GET")).json()) as {
      user_input_form: Array<Record<string, { variable: string; required: boolean }>>;
    };
    expect(parameters.user_input_form).toEqual([
      { "text-input": expect.objectContaining({ variable: "query", required: true }) },
    ]);
    const detail = await dify(`/v1/workflows/run/${body.workflow_run_id}`, appKey, undefined, "GET");
    expect(await detail.json()).toMatchObject({
      id: body.workflow_run_id,
      status: "succeeded",
      inputs: JSON.stringify({ query: "ping" }),
      outputs: { query: "ping" },
      total_steps: 2,
    });
  });

  it("POST /v1/chat-messages keeps the conversation, blocking and streaming", async () => {
    const { appKey } = await publish("basic_chatflow.yml", chatflowOn("gpt-3.5-turbo"));
    const first = await dify("/v1/chat-messages", appKey, {
      query: "hello",
      inputs: {},
      response_mode: "blocking",
      user: "u1",
    });
    const answer = (await first.json()) as {
      answer: string;
      conversation_id: string;
      message_id: string;
      mode: string;
    };
    expect(answer).toMatchObject({ answer: "You said: hello", mode: "advanced-chat" });
    const events = await difyEvents(
      await dify("/v1/chat-messages", appKey, {
        query: "again",
        inputs: {},
        response_mode: "streaming",
        conversation_id: answer.conversation_id,
        user: "u1",
      }),
    );
    const messages = events.filter((event) => event.event === "message");
    expect(messages.map((event) => event.answer).join("")).toBe("You said: again");
    expect(messages.every((event) => event.conversation_id === answer.conversation_id)).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: "message_end", conversation_id: answer.conversation_id });
    // The second turn saw the first in its memory window.
    const sent = upstream.chatRequests().at(-1)?.messages as Array<{ role: string; content: string }>;
    expect(sent.map((message) => message.content)).toEqual(
      expect.arrayContaining(["hello", "You said: hello", "again"]),
    );
  });

  it("basic_chatflow with a failing model and a default value ends partial-succeeded with the fallback", async () => {
    const yaml = chatflowOn("broken").replace(
      "type: llm",
      "type: llm\n        error_strategy: default-value\n        default_value:\n        - key: text\n          type: string\n          value: fallback response",
    );
    const { appKey } = await publish("basic_chatflow.yml", yaml);
    const events = await difyEvents(
      await dify("/v1/chat-messages", appKey, {
        query: "hello",
        inputs: {},
        response_mode: "streaming",
        user: "u",
      }),
    );
    const finished = events.find((event) => event.event === "workflow_finished")?.data as Record<
      string,
      unknown
    >;
    expect(finished).toMatchObject({
      status: "partial-succeeded",
      exceptions_count: 1,
      outputs: { answer: "fallback response" },
    });
    expect(
      events.some(
        (event) =>
          event.event === "workflow_finished" && (event.data as { status: string }).status === "succeeded",
      ),
    ).toBe(false);
  });

  it("test_complex_branch: with hello, the fixed answer; without, only the model's text", async () => {
    const { appKey } = await publish("test_complex_branch.yml");
    const withHello = (await (
      await dify("/v1/chat-messages", appKey, {
        query: "hello x",
        inputs: {},
        response_mode: "blocking",
        user: "u",
      })
    ).json()) as { answer: string };
    expect(withHello.answer).toMatch(/^contains 'hello'/);
    const without = (await (
      await dify("/v1/chat-messages", appKey, {
        query: "bye",
        inputs: {},
        response_mode: "blocking",
        user: "u",
      })
    ).json()) as { answer: string };
    expect(without.answer).toBe("You said: bye");
  });

  it("POST /v1/chat-messages/:task_id/stop stops a streaming chat message", async () => {
    const { appKey } = await publish("basic_chatflow.yml", chatflowOn("slow-model"));
    const response = await dify("/v1/chat-messages", appKey, {
      query: "take your time",
      inputs: {},
      response_mode: "streaming",
      user: "u",
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const started = JSON.parse(
      /data: (.*)/.exec(new TextDecoder().decode((await reader.read()).value))?.[1] ?? "{}",
    ) as { task_id: string; conversation_id: string };
    expect(started.conversation_id).toBeTruthy();
    const stoppedAt = Date.now();
    const stop = await dify(`/v1/chat-messages/${started.task_id}/stop`, appKey, { user: "u" });
    expect(await stop.json()).toEqual({ result: "success" });
    let rest = "";
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      rest += new TextDecoder().decode(chunk.value);
    }
    // Stopped before the slow model's first byte (3 s), not finished by it.
    expect(Date.now() - stoppedAt).toBeLessThan(2_500);
    expect(rest).toMatch(/"event":"workflow_finished".*"status":"stopped"/);
    expect(rest).not.toContain("You said:");
    // A chat message's stream ends with Dify's error event, not message_end.
    expect(rest).toMatch(/"event":"error".*"code":"stopped"/);
    expect(rest).not.toContain('"event":"message_end"');
  });

  it("stops a task, refuses bad keys and the wrong app mode", async () => {
    const { appKey, keyId, workflowId } = await publish(
      "basic_llm_chat_workflow.yml",
      fixture("basic_llm_chat_workflow.yml").replace("gpt-3.5-turbo", "slow-model"),
    );
    const response = await dify("/v1/workflows/run", appKey, {
      inputs: { query: "x" },
      response_mode: "streaming",
      user: "u",
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const started = JSON.parse(
      /data: (.*)/.exec(new TextDecoder().decode((await reader.read()).value))?.[1] ?? "{}",
    ) as { task_id: string };
    const stop = await dify(`/v1/workflows/tasks/${started.task_id}/stop`, appKey, { user: "u" });
    expect(await stop.json()).toEqual({ result: "success" });
    let rest = "";
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest).toMatch(/"event":"workflow_finished".*"status":"stopped"/);

    const missing = await server.call("/v1/workflows/run", { method: "POST", json: { inputs: {} } });
    expect(missing.status).toBe(401);
    expect((await errorOf(missing)).message).toMatch(/app key/);
    const wrong = await dify("/v1/workflows/run", "app-notarealkeyatallxxxxxxxx", { inputs: {} });
    expect(wrong.status).toBe(401);
    const chatOnWorkflow = await dify("/v1/chat-messages", appKey, { query: "x", inputs: {} });
    expect(chatOnWorkflow.status).toBe(400);
    const badInputs = await dify("/v1/workflows/run", appKey, { inputs: {}, response_mode: "blocking" });
    expect((await errorOf(badInputs)).message).toBe("Input 'query' is required");
    // A workspace key is not an app key, and a revoked app key stops working.
    expect((await dify("/v1/workflows/run", key, { inputs: { query: "x" } })).status).toBe(401);
    expect(
      (await server.call(`/api/workflows/${workflowId}/app-keys/${keyId}`, { method: "DELETE", key })).status,
    ).toBe(204);
    expect(
      (await dify("/v1/workflows/run", appKey, { inputs: { query: "x" }, response_mode: "blocking" })).status,
    ).toBe(401);
  });
});
