import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { ownerKey, type ReadEvent, readEvents } from "./chat-test-helpers.ts";
import { errorOf, serverBackends, startTestServer, type TestServer } from "./test-server.ts";

const sharedModel = path.resolve(import.meta.dirname, "../../../../shared/models/llama-2-tiny-random.gguf");

interface Message {
  id: string;
  parentId: string | null;
  role: string;
  content: string;
  parts: Array<Record<string, unknown>>;
  status: string;
  error: string | null;
  usage: { promptTokens: number; completionTokens: number } | null;
  siblings: { ids: string[]; index: number };
  feedback?: { rating: string | null; comment: string };
}

/**
 * Messages and generation through the chat API: replies generated on the server and streamed as
 * SSE, resumed after a disconnect, stopped, regenerated and edited into branches, tools,
 * attachments, feedback and titles, against the OpenAI test double.
 */
describe.each(serverBackends)("chat generation on $store (redis: $redis)", (backend) => {
  let upstream: OpenAITestServer;
  let server: TestServer;
  let alice: { key: string; id: string };
  let bob: { key: string; id: string };

  beforeAll(async () => {
    upstream = await startOpenAITestServer();
    server = await startTestServer(backend, {
      openaiUpstreams: [{ id: "double", baseURL: upstream.baseURL }],
    });
    alice = await ownerKey(server, "agentx");
    bob = await ownerKey(server, "agentx");
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  const db = () => server.nexus.dependencies.store.db;
  const conversation = async (model = "double/test-chat", agentId?: string) => {
    const response = await post("/api/conversations", agentId ? { agentId } : { model });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  const agent = async (fields: Record<string, unknown>) => {
    const response = await post("/api/agents", { name: "Test agent", ...fields });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  const post = (path: string, json: unknown = {}, key = alice.key) =>
    server.call(path, { method: "POST", key, json });
  const send = async (conversationId: string, json: unknown) => {
    const response = await post(`/api/conversations/${conversationId}/messages`, json);
    expect(response.status).toBe(202);
    return (await response.json()) as { userMessage: Message; assistantMessage: Message };
  };
  const openStream = (conversationId: string, messageId: string, signal?: AbortSignal, key = alice.key) =>
    server.call(`/api/conversations/${conversationId}/messages/${messageId}/stream`, { key, signal });
  const streamToEnd = async (conversationId: string, messageId: string) => {
    const response = await openStream(conversationId, messageId);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events: ReadEvent[] = [];
    for await (const event of readEvents(response)) events.push(event);
    return events;
  };
  const doneMessage = (events: ReadEvent[]) => {
    expect(events.at(-1)?.event).toBe("done");
    return (events.at(-1)?.data as { message: Message } | undefined)?.message as Message;
  };
  const textOf = (events: ReadEvent[]) =>
    events
      .filter((event) => event.event === "delta")
      .map((event) => (event.data as { text: string }).text)
      .join("");

  it("sends a message and streams the reply: snapshot, deltas, done", async () => {
    const id = await conversation();
    const { userMessage, assistantMessage } = await send(id, { content: "Hello there" });
    expect(userMessage).toMatchObject({
      role: "user",
      content: "Hello there",
      status: "complete",
      parentId: null,
    });
    expect(assistantMessage).toMatchObject({
      role: "assistant",
      status: "generating",
      parentId: userMessage.id,
    });

    const events = await streamToEnd(id, assistantMessage.id);
    expect(events[0]?.event).toBe("snapshot");
    expect(events.map((event) => Number(event.id))).toEqual(events.map((_, index) => index + 1));
    const snapshot = events[0]?.data as { content: string; status: string };
    expect(snapshot.content + textOf(events)).toBe("You said: Hello there");
    const message = doneMessage(events);
    expect(message).toMatchObject({
      id: assistantMessage.id,
      status: "complete",
      content: "You said: Hello there",
    });
    expect(message.usage?.completionTokens).toBeGreaterThan(0);

    // A finished message streams as its snapshot, then done at once.
    const again = await streamToEnd(id, assistantMessage.id);
    expect(again.map((event) => event.event)).toEqual(["snapshot", "done"]);
    expect(again[0]?.data).toMatchObject({ content: "You said: Hello there", status: "complete" });

    const stored = await db()
      .selectFrom("chat_conversations")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(stored.active_leaf_id).toBe(assistantMessage.id);
  });

  it("keeps generating while nobody listens; a reconnect gets the content so far, then the rest", async () => {
    const id = await conversation("double/test-dribble");
    // About a second of dribbling (50 ms a word): it is still going when the client comes back.
    const words =
      "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty";
    const { assistantMessage } = await send(id, { content: words });
    const leaving = new AbortController();
    const first = await openStream(id, assistantMessage.id, leaving.signal);
    let seen = "";
    let deltas = 0;
    for await (const event of readEvents(first)) {
      if (event.event === "snapshot") seen = (event.data as { content: string }).content;
      if (event.event === "delta") seen += (event.data as { text: string }).text;
      if (event.event === "delta" && ++deltas === 2) break;
    }
    leaving.abort();
    await new Promise((resolve) => setTimeout(resolve, 300));

    const events = await streamToEnd(id, assistantMessage.id);
    const snapshot = events[0]?.data as { content: string; status: string };
    expect(snapshot.status).toBe("generating");
    expect(snapshot.content.startsWith(seen)).toBe(true);
    // It went on while nobody was connected.
    expect(snapshot.content.length).toBeGreaterThan(seen.length);
    expect(snapshot.content + textOf(events)).toBe(`You said: ${words}`);
    expect(doneMessage(events)).toMatchObject({ status: "complete", content: `You said: ${words}` });
  });

  it("stops a reply mid-stream, keeping what was generated", async () => {
    const id = await conversation("double/test-dribble");
    const words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu";
    const { assistantMessage } = await send(id, { content: words });
    const response = await openStream(id, assistantMessage.id);
    const events: ReadEvent[] = [];
    let stopped: Message | undefined;
    for await (const event of readEvents(response)) {
      events.push(event);
      if (event.event === "delta" && !stopped) {
        const answer = await post(`/api/conversations/${id}/messages/${assistantMessage.id}/stop`);
        expect(answer.status).toBe(200);
        stopped = (await answer.json()) as Message;
      }
    }
    expect(stopped?.status).toBe("stopped");
    expect(stopped?.content.length).toBeGreaterThan(0);
    expect(`You said: ${words}`.startsWith(stopped?.content ?? "x")).toBe(true);
    expect(stopped?.content).not.toBe(`You said: ${words}`);
    expect(doneMessage(events)).toMatchObject({ status: "stopped", content: stopped?.content });
    // The upstream call was cut off too.
    await expect.poll(() => upstream.requests.at(-1)?.aborted).toBe(true);
    // Stopping a finished message changes nothing.
    const twice = await post(`/api/conversations/${id}/messages/${assistantMessage.id}/stop`);
    expect(await twice.json()).toMatchObject({ status: "stopped", content: stopped?.content });
  });

  it("streams the reply in the send's own response when the client accepts text/event-stream", async () => {
    const id = await conversation();
    const response = await server.call(`/api/conversations/${id}/messages`, {
      method: "POST",
      key: alice.key,
      json: { content: "all in one request" },
      headers: { accept: "text/event-stream" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events: ReadEvent[] = [];
    for await (const event of readEvents(response)) events.push(event);
    expect(events.map((event) => event.event).slice(0, 2)).toEqual(["created", "snapshot"]);
    const created = events[0]?.data as { userMessage: Message; assistantMessage: Message };
    expect(created.userMessage).toMatchObject({ role: "user", content: "all in one request" });
    expect(created.assistantMessage).toMatchObject({ role: "assistant", parentId: created.userMessage.id });
    const snapshot = events[1]?.data as { content: string };
    expect(snapshot.content + textOf(events)).toBe("You said: all in one request");
    expect(doneMessage(events)).toMatchObject({ id: created.assistantMessage.id, status: "complete" });

    // Regenerating streams the same way; a bad request is still a JSON 4xx, not a stream.
    const again = await server.call(
      `/api/conversations/${id}/messages/${created.assistantMessage.id}/regenerate`,
      { method: "POST", key: alice.key, json: {}, headers: { accept: "text/event-stream" } },
    );
    const regenerated: ReadEvent[] = [];
    for await (const event of readEvents(again)) regenerated.push(event);
    expect(regenerated[0]?.event).toBe("created");
    expect(doneMessage(regenerated).content).toBe("You said: all in one request");
    const bad = await server.call(`/api/conversations/${id}/messages`, {
      method: "POST",
      key: alice.key,
      json: { content: 42 },
      headers: { accept: "text/event-stream" },
    });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).type).toBe("invalid_request");
  });

  it("stops a running reply when its conversation is deleted", async () => {
    const id = await conversation("double/test-dribble");
    const words = "one two three four five six seven eight nine ten eleven twelve thirteen";
    const { assistantMessage } = await send(id, { content: words });
    const response = await openStream(id, assistantMessage.id);
    const events: ReadEvent[] = [];
    for await (const event of readEvents(response)) {
      events.push(event);
      if (event.event === "delta" && events.length === 2) {
        const deleted = await server.call(`/api/conversations/${id}`, { method: "DELETE", key: alice.key });
        expect(deleted.status).toBe(204);
      }
    }
    // The follower was told, and the model call was cut off rather than run to the end.
    expect(doneMessage(events).status).toBe("stopped");
    await expect.poll(() => upstream.requests.at(-1)?.aborted).toBe(true);
    const left = await db()
      .selectFrom("chat_messages")
      .select("id")
      .where("conversation_id", "=", id)
      .execute();
    expect(left).toEqual([]);
  });

  it("regenerates and edits into sibling branches", async () => {
    const id = await conversation();
    const { userMessage, assistantMessage } = await send(id, { content: "first question" });
    await streamToEnd(id, assistantMessage.id);

    const regenerated = await post(`/api/conversations/${id}/messages/${assistantMessage.id}/regenerate`);
    expect(regenerated.status).toBe(202);
    const { assistantMessage: second } = (await regenerated.json()) as { assistantMessage: Message };
    expect(second).toMatchObject({ parentId: userMessage.id, status: "generating" });
    expect(second.siblings).toEqual({ ids: [assistantMessage.id, second.id], index: 1 });
    expect(doneMessage(await streamToEnd(id, second.id)).content).toBe("You said: first question");

    const edited = await post(`/api/conversations/${id}/messages/${userMessage.id}/edit`, {
      content: "second question",
    });
    expect(edited.status).toBe(202);
    const branch = (await edited.json()) as { userMessage: Message; assistantMessage: Message };
    expect(branch.userMessage).toMatchObject({ parentId: null, content: "second question" });
    expect(branch.userMessage.siblings).toEqual({ ids: [userMessage.id, branch.userMessage.id], index: 1 });
    expect(branch.assistantMessage.parentId).toBe(branch.userMessage.id);
    expect(doneMessage(await streamToEnd(id, branch.assistantMessage.id)).content).toBe(
      "You said: second question",
    );

    // Only replies regenerate, only user messages are edited.
    expect((await post(`/api/conversations/${id}/messages/${userMessage.id}/regenerate`)).status).toBe(400);
    const wrongEdit = await post(`/api/conversations/${id}/messages/${assistantMessage.id}/edit`, {
      content: "x",
    });
    expect(wrongEdit.status).toBe(400);
  });

  it("lets two sends at once and a regenerate while generating land as siblings", async () => {
    const id = await conversation("double/test-dribble");
    const { assistantMessage: first } = await send(id, { content: "root" });
    const [a, b] = await Promise.all([
      send(id, { content: "left", parentId: first.id }),
      send(id, { content: "right", parentId: first.id }),
    ]);
    expect(a.userMessage.parentId).toBe(first.id);
    expect(b.userMessage.parentId).toBe(first.id);
    const regenerated = await post(`/api/conversations/${id}/messages/${a.assistantMessage.id}/regenerate`);
    expect(regenerated.status).toBe(202);
    const { assistantMessage: sibling } = (await regenerated.json()) as { assistantMessage: Message };
    expect(sibling.parentId).toBe(a.userMessage.id);
    for (const message of [first, a.assistantMessage, b.assistantMessage, sibling]) {
      expect(doneMessage(await streamToEnd(id, message.id)).status).toBe("complete");
    }
    const rows = await db()
      .selectFrom("chat_messages")
      .selectAll()
      .where("conversation_id", "=", id)
      .execute();
    expect(rows).toHaveLength(7);
    expect(rows.filter((row) => row.parent_id === first.id)).toHaveLength(2);
  });

  it("runs the calculator when the model calls it and streams the tool call and result", async () => {
    const agentId = await agent({ model: "double/test-chat", tools: ["calculator"] });
    const id = await conversation(undefined, agentId);
    const { assistantMessage } = await send(id, { content: "2 + 3 * 4" });
    const events = await streamToEnd(id, assistantMessage.id);
    // The reply may be partly done when the stream opens: the snapshot holds what came before.
    const tools = [
      ...((events[0]?.data as { parts: unknown[] } | undefined)?.parts ?? []),
      ...events
        .filter((event) => event.event === "tool")
        .map((event) => (event.data as { part: unknown }).part),
    ];
    expect(tools).toEqual([
      {
        type: "tool_call",
        id: "call_test1",
        name: "calculator",
        arguments: JSON.stringify({ input: "2 + 3 * 4" }),
      },
      { type: "tool_result", toolCallId: "call_test1", name: "calculator", content: "14" },
    ]);
    const message = doneMessage(events);
    expect(message).toMatchObject({ status: "complete", content: "Tool said: 14" });
    expect(message.parts).toEqual(tools);
    const second = upstream.chatRequests().at(-1) as {
      messages: Array<Record<string, unknown>>;
      tools: unknown[];
    };
    expect(second.tools).toHaveLength(1);
    expect(second.messages.at(-1)).toEqual({ role: "tool", tool_call_id: "call_test1", content: "14" });
  });

  it("sends images as image parts and inlines text files; oversize attachments are a 413", async () => {
    const id = await conversation();
    const image = `data:image/png;base64,${Buffer.from("a tiny png").toString("base64")}`;
    const { assistantMessage } = await send(id, {
      content: "What is in these?",
      parts: [
        { type: "image", dataUrl: image, name: "tiny.png" },
        { type: "text_file", name: "notes.txt", text: "The secret word is marmalade." },
      ],
    });
    await streamToEnd(id, assistantMessage.id);
    const request = upstream.chatRequests().at(-1) as { messages: Array<{ role: string; content: unknown }> };
    const content = request.messages.at(-1)?.content as Array<Record<string, unknown>>;
    expect(content).toContainEqual({ type: "image_url", image_url: { url: image } });
    const text = content.find((part) => part.type === "text")?.text as string;
    expect(text).toContain("What is in these?");
    expect(text).toContain('<file name="notes.txt">\nThe secret word is marmalade.\n</file>');

    const bigImage = `data:image/png;base64,${"A".repeat(5 * 1024 * 1024 + 10)}`;
    const tooBig = await post(`/api/conversations/${id}/messages`, {
      content: "look",
      parts: [{ type: "image", dataUrl: bigImage }],
    });
    expect(tooBig.status).toBe(413);
    expect((await errorOf(tooBig)).message).toMatch(/5 MB each/);
    const longFile = await post(`/api/conversations/${id}/messages`, {
      content: "read",
      parts: [{ type: "text_file", name: "long.txt", text: "x".repeat(200_001) }],
    });
    expect(longFile.status).toBe(413);
    expect((await errorOf(longFile)).message).toMatch(/200000 characters/);
    const longContent = await post(`/api/conversations/${id}/messages`, { content: "y".repeat(100_001) });
    expect(longContent.status).toBe(413);
    expect((await errorOf(longContent)).message).toMatch(/100000/);
    const hugeBody = await post(`/api/conversations/${id}/messages`, {
      content: "z",
      parts: [
        { type: "image", dataUrl: bigImage.slice(0, 4 * 1024 * 1024) },
        { type: "image", dataUrl: bigImage.slice(0, 4 * 1024 * 1024) },
        { type: "image", dataUrl: bigImage.slice(0, 1024 * 1024) },
      ],
    });
    expect(hugeBody.status).toBe(413);
    expect((await errorOf(hugeBody)).message).toMatch(/limited to 8 MB/);
    const notImage = await post(`/api/conversations/${id}/messages`, {
      content: "x",
      parts: [{ type: "image", dataUrl: "https://example.com/cat.png" }],
    });
    expect(notImage.status).toBe(400);
    const toolPart = await post(`/api/conversations/${id}/messages`, {
      content: "x",
      parts: [{ type: "tool_call", id: "1", name: "calculator", arguments: "{}" }],
    });
    expect(toolPart.status).toBe(400);
    expect((await post(`/api/conversations/${id}/messages`, { content: "  " })).status).toBe(400);
    // PostgreSQL cannot store NUL: refused alike on both stores.
    const nul = String.fromCharCode(0);
    expect((await post(`/api/conversations/${id}/messages`, { content: `a${nul}b` })).status).toBe(400);
  });

  it("stores feedback on a message of the caller's own conversation only", async () => {
    const id = await conversation();
    const { assistantMessage } = await send(id, { content: "rate me" });
    await streamToEnd(id, assistantMessage.id);
    const put = (messageId: string, json: unknown, key = alice.key) =>
      server.call(`/api/messages/${messageId}/feedback`, { method: "PUT", key, json });
    const rated = await put(assistantMessage.id, { rating: "up", comment: "Spot on" });
    expect(rated.status).toBe(200);
    expect(await rated.json()).toMatchObject({
      id: assistantMessage.id,
      feedback: { rating: "up", comment: "Spot on" },
    });
    expect(await (await put(assistantMessage.id, { rating: null })).json()).toMatchObject({
      feedback: { rating: null, comment: "" },
    });
    const stored = await db().selectFrom("chat_feedback").selectAll().execute();
    expect(stored.filter((row) => row.message_id === assistantMessage.id)).toHaveLength(1);
    expect((await put(assistantMessage.id, { rating: "up" }, bob.key)).status).toBe(404);
    const otherWorkspace = await ownerKey(server, "azi-learns-ai");
    expect((await put(assistantMessage.id, { rating: "up" }, otherWorkspace.key)).status).toBe(404);
    expect((await put("msg_unknown", { rating: "up" })).status).toBe(404);
    expect((await put(assistantMessage.id, { rating: "meh" })).status).toBe(400);
  });

  it("titles a conversation with the model, or with its first words when the model fails", async () => {
    const id = await conversation();
    const { assistantMessage } = await send(id, { content: "Plan a trip to Lisbon" });
    await streamToEnd(id, assistantMessage.id);
    const titled = await post(`/api/conversations/${id}/title`);
    expect(titled.status).toBe(200);
    const body = (await titled.json()) as { id: string; title: string };
    expect(body.id).toBe(id);
    // The double answers "You said: <the prompt>": whatever the model wrote, cleaned to one short line.
    expect(body.title).toMatch(/^You said: User: Plan a trip to Lisbon/);
    expect(body.title.length).toBeLessThanOrEqual(80);

    const failing = await conversation("double/test-server-error");
    const sent = await send(failing, { content: "Why is the sky blue at noon but red at dusk?" });
    const events = await streamToEnd(failing, sent.assistantMessage.id);
    expect(events.map((event) => event.event)).toContain("error");
    expect(doneMessage(events)).toMatchObject({ status: "failed" });
    expect(doneMessage(events).error).toMatch(/Scripted failure/);
    const fallback = await post(`/api/conversations/${failing}/title`);
    expect(await fallback.json()).toMatchObject({ title: "Why is the sky blue at noon but…" });

    expect((await post(`/api/conversations/${await conversation()}/title`)).status).toBe(400);
  });

  it("is described in the OpenAPI document", async () => {
    const document = (await (await server.call("/api/openapi.json")).json()) as {
      paths: Record<string, Record<string, { summary?: string }>>;
    };
    for (const [path, method] of [
      ["/api/conversations/{id}/messages", "post"],
      ["/api/conversations/{id}/messages/{messageId}/regenerate", "post"],
      ["/api/conversations/{id}/messages/{messageId}/edit", "post"],
      ["/api/conversations/{id}/messages/{messageId}/stream", "get"],
      ["/api/conversations/{id}/messages/{messageId}/stop", "post"],
      ["/api/messages/{id}/feedback", "put"],
      ["/api/conversations/{id}/title", "post"],
    ] as const) {
      expect(document.paths[path]?.[method]?.summary, `${method} ${path}`).toBeTruthy();
    }
  });

  it("answers 404 for unknown ids and for another owner's conversation", async () => {
    const id = await conversation();
    const { userMessage, assistantMessage } = await send(id, { content: "mine" });
    await streamToEnd(id, assistantMessage.id);
    const other = await conversation();
    const paths = [
      `/api/conversations/conv_unknown/messages`,
      `/api/conversations/${id}/messages/msg_unknown/regenerate`,
      `/api/conversations/${id}/messages/msg_unknown/edit`,
      `/api/conversations/${id}/messages/msg_unknown/stop`,
      // A message of another conversation is unknown here.
      `/api/conversations/${other}/messages/${assistantMessage.id}/regenerate`,
      `/api/conversations/conv_unknown/title`,
    ];
    for (const path of paths) {
      const response = await post(path, { content: "x" });
      expect(response.status, path).toBe(404);
      expect((await errorOf(response)).type).toBe("not_found");
    }
    expect((await openStream(id, "msg_unknown")).status).toBe(404);
    expect((await openStream(other, assistantMessage.id)).status).toBe(404);
    expect(await send(id, { content: "x", parentId: "msg_unknown" }).catch(() => "failed")).toBe("failed");

    // Bob shares the workspace but not the conversation.
    for (const path of [
      `/api/conversations/${id}/messages`,
      `/api/conversations/${id}/messages/${assistantMessage.id}/regenerate`,
      `/api/conversations/${id}/messages/${userMessage.id}/edit`,
      `/api/conversations/${id}/messages/${assistantMessage.id}/stop`,
      `/api/conversations/${id}/title`,
    ]) {
      expect((await post(path, { content: "x" }, bob.key)).status, path).toBe(404);
    }
    expect((await openStream(id, assistantMessage.id, undefined, bob.key)).status).toBe(404);
    expect(
      (await server.call(`/api/conversations/${id}/messages/${assistantMessage.id}/stream`)).status,
    ).toBe(401);
  });
});

describe("chat generation on a server that stops, and on a local model", () => {
  let upstream: OpenAITestServer;
  let server: TestServer;
  let alice: { key: string; id: string };

  beforeAll(async () => {
    upstream = await startOpenAITestServer();
    server = await startTestServer(undefined, {
      openaiUpstreams: [{ id: "double", baseURL: upstream.baseURL }],
    });
    alice = await ownerKey(server, "agentx");
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  const post = async (path: string, json: unknown) => {
    const response = await server.call(path, { method: "POST", key: alice.key, json });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  const conversation = (json: unknown) => post("/api/conversations", json);
  const agent = (fields: Record<string, unknown>) => post("/api/agents", { name: "Local", ...fields });
  const send = async (conversationId: string, content: string) => {
    const response = await server.call(`/api/conversations/${conversationId}/messages`, {
      method: "POST",
      key: alice.key,
      json: { content },
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { assistantMessage: Message }).assistantMessage;
  };
  const stream = (conversationId: string, messageId: string) =>
    server.call(`/api/conversations/${conversationId}/messages/${messageId}/stream`, { key: alice.key });

  it("streams tokens from a real local GGUF model", { timeout: 120_000 }, async () => {
    const modelsDir = server.nexus.dependencies.config.modelsDir;
    fs.mkdirSync(modelsDir, { recursive: true });
    fs.copyFileSync(sharedModel, path.join(modelsDir, "tiny.gguf"));
    const id = await conversation({
      agentId: await agent({ model: "local/tiny", params: { max_tokens: 8 } }),
    });
    const message = await send(id, "Hello");
    const events: ReadEvent[] = [];
    for await (const event of readEvents(await stream(id, message.id))) events.push(event);
    expect(events[0]?.event).toBe("snapshot");
    const done = (events.at(-1)?.data as { message: Message } | undefined)?.message;
    expect(done).toMatchObject({ status: "complete", model: "local/tiny" });
    expect(done?.usage?.completionTokens).toBeGreaterThan(0);
    expect(done?.usage?.completionTokens).toBeLessThanOrEqual(8);
    const snapshot = events[0]?.data as { content: string };
    const streamed = events
      .filter((event) => event.event === "delta")
      .map((event) => (event.data as { text: string }).text);
    expect(snapshot.content + streamed.join("")).toBe(done?.content);
    // Loading the model takes longer than opening the stream: the tokens arrive as deltas.
    expect(streamed.length).toBeGreaterThan(0);
  });

  it("ends its running replies stopped when the server shuts down, telling their streams", async () => {
    const id = await conversation({ model: "double/test-dribble" });
    const message = await send(id, "a b c d e f g h i j k l m n o p q r s t u v w x y z");
    const events: ReadEvent[] = [];
    let stopping: Promise<void> | undefined;
    for await (const event of readEvents(await stream(id, message.id))) {
      events.push(event);
      if (event.event === "delta") stopping ??= server.nexus.stop();
    }
    await stopping;
    const done = (events.at(-1)?.data as { message: Message } | undefined)?.message;
    expect(events.at(-1)?.event).toBe("done");
    expect(done?.status).toBe("stopped");
    expect(done?.content.length).toBeGreaterThan(0);
  });
});
