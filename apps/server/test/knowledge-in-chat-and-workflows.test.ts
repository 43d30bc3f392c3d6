import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { readEvents } from "./chat-test-helpers.ts";
import { startTestServer, type TestServer } from "./test-server.ts";

/**
 * The app's one knowledge service behind chat agents (grounded replies with citations) and the
 * workflow knowledge-retrieval node: a real knowledge base, built-in embedder, real ingestion.
 */
describe("knowledge in chat agents and workflows", () => {
  let server: TestServer;
  let upstream: OpenAITestServer;
  let key: string;
  let baseId: string;

  const call = (path: string, init: Parameters<TestServer["call"]>[1] = {}) =>
    server.call(path, { key, ...init });
  const json = async <T>(response: Response | Promise<Response>, status = 200): Promise<T> => {
    const answer = await response;
    const body = await answer.text();
    expect(answer.status, body).toBe(status);
    return JSON.parse(body) as T;
  };

  beforeAll(async () => {
    upstream = await startOpenAITestServer();
    server = await startTestServer(undefined, {
      openaiUpstreams: [{ id: "double", baseURL: upstream.baseURL }],
    });
    key = await server.key("agentx", "owner");
    baseId = (
      await json<{ id: string }>(
        call("/api/knowledge/datasets", { method: "POST", json: { name: "handbook" } }),
        201,
      )
    ).id;
    const documents = [
      {
        name: "refunds.md",
        text: "# Refunds\n\nRefunds are paid back within five working days of the return.",
      },
      { name: "shipping.md", text: "# Shipping\n\nParcels leave the warehouse every weekday at noon." },
    ];
    for (const document of documents) {
      const { id } = await json<{ id: string }>(
        call(`/api/knowledge/datasets/${baseId}/documents`, { method: "POST", json: document }),
        201,
      );
      for (let tries = 0; ; tries++) {
        const { status } = await json<{ status: string }>(call(`/api/knowledge/documents/${id}`));
        if (status === "ready") break;
        if (tries > 400 || status === "failed") throw new Error(`${document.name} ended ${status}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  it("grounds an agent's reply in its knowledge base and keeps the citations on the reply", async () => {
    const agent = await json<{ id: string }>(
      call("/api/agents", {
        method: "POST",
        json: { name: "Support", model: "double/test-chat", knowledgeBases: [baseId] },
      }),
      201,
    );
    const conversation = await json<{ id: string }>(
      call("/api/conversations", { method: "POST", json: { agentId: agent.id } }),
      201,
    );
    const response = await call(`/api/conversations/${conversation.id}/messages`, {
      method: "POST",
      json: { content: "How many days until refunds are paid?" },
      headers: { accept: "text/event-stream" },
    });
    const events = [];
    for await (const event of readEvents(response)) events.push(event);
    const done = events.at(-1)?.data as {
      message: { status: string; parts: Array<{ type: string; citations?: Array<Record<string, unknown>> }> };
    };
    expect(done.message.status).toBe("complete");
    const citations = done.message.parts.find((part) => part.type === "citations")?.citations ?? [];
    expect(citations[0]).toMatchObject({ index: 1, documentName: "refunds.md", knowledgeBaseId: baseId });
    expect(String(citations[0]?.excerpt)).toContain("five working days");
    // The model was given the numbered passages just before the question.
    const request = upstream.chatRequests().at(-1) as { messages: Array<{ role: string; content: string }> };
    const grounding = request.messages.at(-2);
    expect(grounding?.role).toBe("system");
    expect(grounding?.content).toContain("[1] refunds.md\n");
    expect(request.messages.at(-1)).toMatchObject({
      role: "user",
      content: "How many days until refunds are paid?",
    });

    // Another workspace's agent cannot reach this knowledge base: its reply fails saying so.
    const strangerKey = await server.key("azi-learns-ai", "owner");
    const strangerAgent = await json<{ id: string }>(
      server.call("/api/agents", {
        method: "POST",
        key: strangerKey,
        json: { name: "Spy", model: "double/test-chat", knowledgeBases: [baseId] },
      }),
      201,
    );
    const strangerConversation = await json<{ id: string }>(
      server.call("/api/conversations", {
        method: "POST",
        key: strangerKey,
        json: { agentId: strangerAgent.id },
      }),
      201,
    );
    const refused = await server.call(`/api/conversations/${strangerConversation.id}/messages`, {
      method: "POST",
      key: strangerKey,
      json: { content: "refunds?" },
      headers: { accept: "text/event-stream" },
    });
    const refusedEvents = [];
    for await (const event of readEvents(refused)) refusedEvents.push(event);
    const final = refusedEvents.at(-1)?.data as {
      message: { status: string; parts: unknown[]; content: string };
    };
    expect(final.message.status).toBe("failed");
    expect(JSON.stringify(final.message)).not.toContain("five working days");
  });

  it("runs a workflow's knowledge-retrieval node against the workspace's knowledge base", async () => {
    const yaml = `app:
  mode: workflow
  name: retrieve
kind: app
version: 0.3.1
workflow:
  graph:
    edges:
    - { id: e1, source: start, sourceHandle: source, target: retrieval, targetHandle: target }
    - { id: e2, source: retrieval, sourceHandle: source, target: end, targetHandle: target }
    nodes:
    - id: start
      data:
        type: start
        title: Start
        variables:
        - { variable: query, label: query, type: text-input, required: true }
    - id: retrieval
      data:
        type: knowledge-retrieval
        title: Handbook
        dataset_ids: ['${baseId}']
        query_variable_selector: [start, query]
        retrieval_mode: multiple
        multiple_retrieval_config: { top_k: 2 }
    - id: end
      data:
        type: end
        title: End
        outputs:
        - { variable: result, value_selector: [retrieval, result], value_type: 'array[object]' }
`;
    const imported = await json<{ workflow: { id: string } }>(
      call("/api/workflows/import", { method: "POST", json: { yaml } }),
      201,
    );
    const run = await json<{ data: { status: string; outputs: { result: Array<Record<string, unknown>> } } }>(
      call(`/api/workflows/${imported.workflow.id}/runs`, {
        method: "POST",
        json: { inputs: { query: "when do parcels leave the warehouse" }, response_mode: "blocking" },
      }),
    );
    expect(run.data.status).toBe("succeeded");
    expect(run.data.outputs.result[0]).toMatchObject({ title: "shipping.md" });
    expect(String(run.data.outputs.result[0]?.content)).toContain("every weekday at noon");
    expect(run.data.outputs.result[0]?.metadata).toMatchObject({
      document_name: "shipping.md",
      knowledge_base_id: baseId,
    });
  });
});
