import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { type ReadEvent, readEvents } from "./chat-test-helpers.ts";
import { errorOf, serverBackends, startTestServer, type TestServer } from "./test-server.ts";

const site = "http://127.0.0.1:5173";
const otherSite = "http://127.0.0.1:5174";

interface WidgetMessage {
  id: string;
  role: string;
  content: string;
  status: string;
  error: string | null;
}

/**
 * The embeddable widget's API: site tokens managed by admins, and the public API a page calls
 * with one (CORS, origins, visitors, rate limits), against the OpenAI test double.
 */
describe.each(serverBackends)("widget API on $store (redis: $redis)", (backend) => {
  let upstream: OpenAITestServer;
  let server: TestServer;
  let admin: string;
  let member: string;
  let agentId: string;
  let otherAgentId: string;
  let token: string;
  let visitorCounter = 0;

  const newVisitor = () => `visitor-${backend.store}-${Date.now()}-${++visitorCounter}`.padEnd(20, "x");
  const createToken = async (fields: Record<string, unknown>, key = admin) =>
    server.call("/api/widget/tokens", { method: "POST", key, json: fields });
  const tokenFor = async (fields: Record<string, unknown>) => {
    const response = await createToken(fields);
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; token: string };
  };
  /** A call as the widget on a page makes it: no API key, the site token and a visitor id. */
  const widget = (
    path: string,
    options: {
      token?: string;
      visitor?: string;
      origin?: string;
      method?: string;
      json?: unknown;
      signal?: AbortSignal;
    } = {},
  ) =>
    server.call(path, {
      method: options.method ?? (options.json === undefined ? "GET" : "POST"),
      json: options.json,
      signal: options.signal,
      headers: {
        ...(options.token !== "" ? { "x-nexus-site-token": options.token ?? token } : {}),
        ...(options.visitor !== "" ? { "x-nexus-visitor": options.visitor ?? "visitor-default-0001" } : {}),
        ...(options.origin !== "" ? { origin: options.origin ?? site } : {}),
      },
    });
  const startConversation = async (visitor: string, withToken = token) => {
    const response = await widget("/api/widget/conversations", { json: {}, visitor, token: withToken });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  const ask = async (conversationId: string, visitor: string, content: string) => {
    const response = await widget(`/api/widget/conversations/${conversationId}/messages`, {
      json: { content },
      visitor,
    });
    expect(response.status).toBe(202);
    return (await response.json()) as { userMessage: WidgetMessage; assistantMessage: WidgetMessage };
  };
  const streamOf = async (conversationId: string, messageId: string, visitor: string) => {
    const response = await widget(
      `/api/widget/conversations/${conversationId}/messages/${messageId}/stream`,
      {
        visitor,
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(site);
    const events: ReadEvent[] = [];
    for await (const event of readEvents(response)) events.push(event);
    return events;
  };

  beforeAll(async () => {
    upstream = await startOpenAITestServer();
    server = await startTestServer(backend, {
      openaiUpstreams: [{ id: "double", baseURL: upstream.baseURL }],
    });
    admin = await server.key("agentx", "admin");
    member = await server.key("agentx", "member");
    const agent = async (fields: Record<string, unknown>) => {
      const response = await server.call("/api/agents", { method: "POST", key: admin, json: fields });
      expect(response.status).toBe(201);
      return ((await response.json()) as { id: string }).id;
    };
    agentId = await agent({
      name: "Shop helper",
      model: "double/test-chat",
      systemPrompt: "secret system prompt",
      openingMessage: "Hello! Ask me about orders.",
      suggestedQuestions: ["Where is my order?", "Can I return it?"],
      avatar: "🛍️",
    });
    otherAgentId = await agent({ name: "Other", model: "double/test-dribble" });
    token = (
      await tokenFor({
        agentId,
        allowedOrigins: [site],
        requestsPerMinute: 10_000,
        visitorRequestsPerMinute: 1_000,
        theme: { primaryColor: "#6d28d9", title: "Ask us", position: "left" },
      })
    ).token;
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  it("lets only admins manage tokens, shows a token once and stores only its hash", async () => {
    for (const response of [
      await createToken({ agentId }, member),
      await server.call("/api/widget/tokens", { key: member }),
      await server.call("/api/widget/tokens/site_x", { method: "DELETE", key: member }),
    ]) {
      expect(response.status).toBe(403);
      expect((await errorOf(response)).type).toBe("permission_denied");
    }
    expect((await server.call("/api/widget/tokens")).status).toBe(401);

    const created = await tokenFor({ agentId, name: "Docs" });
    expect(created).toMatchObject({ name: "Docs", agentId, allowedOrigins: [], requestsPerMinute: 60 });
    expect(created.token).toMatch(/^nxw_/);
    const listed = await server.call("/api/widget/tokens", { key: admin });
    const text = await listed.text();
    expect(listed.status).toBe(200);
    expect(text).toContain(created.id);
    expect(text).not.toContain(created.token);
    expect(text).not.toMatch(/hash/i);
    const row = await server.nexus.dependencies.store.db
      .selectFrom("chat_site_tokens")
      .selectAll()
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash("sha256").update(created.token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(created.token);
    expect(server.logs.join("")).not.toContain(created.token);

    const revoked = await server.call(`/api/widget/tokens/${created.id}`, { method: "DELETE", key: admin });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { revokedAt: string | null }).revokedAt).not.toBeNull();
    const session = await widget("/api/widget/session", { token: created.token, json: {} });
    expect(session.status).toBe(401);
    expect(await errorOf(session)).toMatchObject({ type: "authentication_error" });
    const again = await server.call(`/api/widget/tokens/${created.id}`, { method: "DELETE", key: admin });
    expect(again.status).toBe(404);
    const all = (await (
      await server.call("/api/widget/tokens?includeRevoked=true", { key: admin })
    ).json()) as {
      data: Array<{ id: string }>;
    };
    expect(all.data.map((item) => item.id)).toContain(created.id);
  });

  it("refuses bad token fields and agents of another workspace with a 400", async () => {
    const otherWorkspaceAdmin = await server.key("azi-learns-ai", "admin");
    const foreign = await createToken({ agentId }, otherWorkspaceAdmin);
    expect(foreign.status).toBe(400);
    expect((await errorOf(foreign)).param).toBe("agentId");
    for (const fields of [
      {},
      { agentId, allowedOrigins: ["https://shop.example/page"] },
      { agentId, theme: { primaryColor: "purple" } },
      { agentId, theme: { position: "top" } },
      { agentId, requestsPerMinute: 0 },
      { agentId, role: "owner" },
    ]) {
      const response = await createToken(fields);
      expect(response.status, JSON.stringify(fields)).toBe(400);
      expect((await errorOf(response)).type).toBe("invalid_request");
    }
  });

  it("answers a preflight and starts a session with the agent's public face and the theme", async () => {
    const preflight = await server.call("/api/widget/session", {
      method: "OPTIONS",
      headers: {
        origin: site,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-nexus-site-token,x-nexus-visitor",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(site);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("x-nexus-site-token");
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
    expect(preflight.headers.get("vary")).toMatch(/origin/i);

    const response = await widget("/api/widget/session", { json: {} });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(site);
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(response.headers.get("vary")).toMatch(/origin/i);
    const session = await response.json();
    expect(session).toEqual({
      agent: {
        name: "Shop helper",
        avatar: "🛍️",
        openingMessage: "Hello! Ask me about orders.",
        suggestedQuestions: ["Where is my order?", "Can I return it?"],
      },
      theme: {
        primaryColor: "#6d28d9",
        title: "Ask us",
        position: "left",
        greeting: "Hello! Ask me about orders.",
      },
      limits: { messageCharacters: 4000 },
    });
    expect(JSON.stringify(session)).not.toContain("secret");
  });

  it("refuses a page not on the token's origins with a 403 it cannot read, and bad or missing tokens with a 401", async () => {
    for (const origin of [otherSite, "null", ""]) {
      const response = await widget("/api/widget/session", { json: {}, origin });
      expect(response.status, origin).toBe(403);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect((await errorOf(response)).type).toBe("permission_denied");
    }
    // A token allowing any origin answers any page, and callers that are not pages.
    const open = await tokenFor({ agentId });
    expect(
      (await widget("/api/widget/session", { json: {}, token: open.token, origin: otherSite })).status,
    ).toBe(200);
    expect((await widget("/api/widget/session", { json: {}, token: open.token, origin: "" })).status).toBe(
      200,
    );

    for (const bad of [
      "",
      "nxw_not-a-real-token",
      `${token.slice(0, -2)}zz`,
      await server.key("agentx", "owner"),
    ]) {
      const response = await widget("/api/widget/session", { json: {}, token: bad });
      expect(response.status).toBe(401);
      expect((await errorOf(response)).type).toBe("authentication_error");
      // The widget can read why, to say it is not set up.
      expect(response.headers.get("access-control-allow-origin")).toBe(site);
    }
  });

  it("keeps a site token away from every other route", async () => {
    for (const path of ["/api/conversations", "/api/agents", "/v1/models", "/api/widget/tokens", "/api/me"]) {
      const asBearer = await server.call(path, { key: token });
      expect(asBearer.status, path).toBe(401);
      const asHeader = await server.call(path, { headers: { "x-nexus-site-token": token, origin: site } });
      expect(asHeader.status, path).toBe(401);
    }
    const completion = await server.call("/v1/chat/completions", {
      method: "POST",
      key: token,
      json: { model: "double/test-chat", messages: [{ role: "user", content: "hi" }] },
    });
    expect(completion.status).toBe(401);
  });

  it("chats: a visitor starts a conversation, asks, streams the reply and reads it back", async () => {
    const visitor = newVisitor();
    const conversationId = await startConversation(visitor);
    const { userMessage, assistantMessage } = await ask(conversationId, visitor, "What are your hours?");
    expect(userMessage).toMatchObject({ role: "user", content: "What are your hours?", status: "complete" });
    expect(assistantMessage).toMatchObject({ role: "assistant", status: "generating" });
    const events = await streamOf(conversationId, assistantMessage.id, visitor);
    expect(events[0]?.event).toBe("snapshot");
    expect(events.at(-1)?.event).toBe("done");
    const text = events.flatMap((event) =>
      event.event === "delta" ? [(event.data as { text: string }).text] : [],
    );
    const [snapshot, last] = [events[0]?.data, events.at(-1)?.data] as [
      { content: string },
      { message: WidgetMessage & Record<string, unknown> },
    ];
    const done = last.message;
    expect(snapshot.content + text.join("")).toBe("You said: What are your hours?");
    expect(done).toMatchObject({
      id: assistantMessage.id,
      status: "complete",
      content: "You said: What are your hours?",
    });
    expect(Object.keys(done).sort()).toEqual(["content", "createdAt", "error", "id", "role", "status"]);
    // The agent's system prompt went to the model.
    const sent = upstream.requests.at(-1)?.body as { messages: Array<{ role: string; content: string }> };
    expect(sent.messages[0]).toMatchObject({ role: "system", content: "secret system prompt" });

    const read = await widget(`/api/widget/conversations/${conversationId}`, { visitor });
    expect(read.status).toBe(200);
    const conversation = (await read.json()) as { id: string; messages: WidgetMessage[] };
    expect(conversation.messages.map((message) => [message.role, message.content])).toEqual([
      ["user", "What are your hours?"],
      ["assistant", "You said: What are your hours?"],
    ]);

    // Not a conversation of any API key: the workspace's own chat API does not show it.
    expect((await server.call(`/api/conversations/${conversationId}`, { key: admin })).status).toBe(404);
  });

  it("shows a visitor only its own conversations, through the token it started them with", async () => {
    const visitor = newVisitor();
    const conversationId = await startConversation(visitor);
    const { assistantMessage } = await ask(conversationId, visitor, "mine");
    const sameAgentToken = (await tokenFor({ agentId, allowedOrigins: [site] })).token;
    const otherAgentToken = (await tokenFor({ agentId: otherAgentId, allowedOrigins: [site] })).token;
    const strangers = [
      { visitor: newVisitor(), token },
      { visitor, token: sameAgentToken },
      { visitor, token: otherAgentToken },
    ];
    for (const stranger of strangers) {
      const base = `/api/widget/conversations/${conversationId}`;
      for (const [path, json] of [
        [base, undefined],
        [`${base}/messages`, { content: "let me in" }],
        [`${base}/messages/${assistantMessage.id}/stream`, undefined],
        [`${base}/messages/${assistantMessage.id}/stop`, {}],
      ] as const) {
        const response = await widget(path, { ...stranger, json });
        expect(response.status, path).toBe(404);
        expect((await errorOf(response)).type).toBe("not_found");
      }
    }
    // A message id of another conversation is not found either.
    const otherConversation = await startConversation(visitor);
    const stream = await widget(
      `/api/widget/conversations/${otherConversation}/messages/${assistantMessage.id}/stream`,
      { visitor },
    );
    expect(stream.status).toBe(404);
  });

  it("stops a reply, keeping what was generated", async () => {
    const dribbleToken = (await tokenFor({ agentId: otherAgentId, allowedOrigins: [site] })).token;
    const visitor = newVisitor();
    const created = await widget("/api/widget/conversations", { json: {}, visitor, token: dribbleToken });
    const conversationId = ((await created.json()) as { id: string }).id;
    const question = Array.from({ length: 60 }, (_, index) => `word${index}`).join(" ");
    const sent = await widget(`/api/widget/conversations/${conversationId}/messages`, {
      json: { content: question },
      visitor,
      token: dribbleToken,
    });
    expect(sent.status).toBe(202);
    const { assistantMessage } = (await sent.json()) as { assistantMessage: WidgetMessage };
    const response = await widget(
      `/api/widget/conversations/${conversationId}/messages/${assistantMessage.id}/stream`,
      { visitor, token: dribbleToken },
    );
    const events: ReadEvent[] = [];
    let stopped: WidgetMessage | undefined;
    for await (const event of readEvents(response)) {
      events.push(event);
      if (event.event === "delta" && !stopped) {
        const stop = await widget(
          `/api/widget/conversations/${conversationId}/messages/${assistantMessage.id}/stop`,
          { json: {}, visitor, token: dribbleToken },
        );
        expect(stop.status).toBe(200);
        stopped = (await stop.json()) as WidgetMessage;
      }
    }
    expect(stopped?.status).toBe("stopped");
    expect(stopped?.content.length).toBeGreaterThan(0);
    expect(`You said: ${question}`.startsWith(stopped?.content ?? "")).toBe(true);
    expect(stopped?.content).not.toBe(`You said: ${question}`);
    expect(events.at(-1)).toMatchObject({ event: "done", data: { message: { status: "stopped" } } });
  });

  it("limits requests per site and per visitor with a 429 and Retry-After", async () => {
    const limited = (
      await tokenFor({ agentId, allowedOrigins: [site], requestsPerMinute: 4, visitorRequestsPerMinute: 3 })
    ).token;
    const first = newVisitor();
    for (let index = 0; index < 3; index++) {
      expect((await widget("/api/widget/session", { json: {}, token: limited, visitor: first })).status).toBe(
        200,
      );
    }
    const refused = await widget("/api/widget/session", { json: {}, token: limited, visitor: first });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("access-control-allow-origin")).toBe(site);
    expect(refused.headers.get("access-control-expose-headers")).toMatch(/retry-after/i);
    expect(await errorOf(refused)).toMatchObject({ type: "rate_limited" });
    // Another visitor still gets the site's last request, then the site is out too.
    const second = newVisitor();
    expect((await widget("/api/widget/session", { json: {}, token: limited, visitor: second })).status).toBe(
      200,
    );
    const siteRefused = await widget("/api/widget/session", { json: {}, token: limited, visitor: second });
    expect(siteRefused.status).toBe(429);
    expect((await errorOf(siteRefused)).message).toMatch(/this site/);
    // Other tokens are not affected.
    expect((await widget("/api/widget/session", { json: {}, visitor: second })).status).toBe(200);
  });

  it("answers bad input with a clear 4xx", async () => {
    const visitor = newVisitor();
    const conversationId = await startConversation(visitor);
    const messages = `/api/widget/conversations/${conversationId}/messages`;
    const cases: Array<[string, Parameters<typeof widget>[1], number]> = [
      [messages, { json: { content: "" }, visitor }, 400],
      [messages, { json: { content: "   " }, visitor }, 400],
      [messages, { json: { content: "x".repeat(4001) }, visitor }, 400],
      [messages, { json: { content: "nul \u0000 here" }, visitor }, 400],
      [messages, { json: { content: "hi", parts: [] }, visitor }, 400],
      [messages, { json: { content: "hi", parentId: null }, visitor }, 400],
      [messages, { json: { content: 42 }, visitor }, 400],
      [messages, { json: { content: "x".repeat(20_000) }, visitor }, 413],
      [messages, { json: { content: "hi" }, visitor: "" }, 400],
      [messages, { json: { content: "hi" }, visitor: "short" }, 400],
      [messages, { json: { content: "hi" }, visitor: "has spaces and ; semicolons" }, 400],
      ["/api/widget/conversations", { json: { agentId: otherAgentId }, visitor }, 400],
      ["/api/widget/conversations/conv_nope", { visitor }, 404],
      [`${messages.replace(conversationId, "conv_nope")}`, { json: { content: "hi" }, visitor }, 404],
      [`/api/widget/conversations/${conversationId}/messages/msg_nope/stream`, { visitor }, 404],
      [`/api/widget/conversations/${conversationId}/messages/msg_nope/stop`, { json: {}, visitor }, 404],
    ];
    for (const [path, options, status] of cases) {
      const response = await widget(path, options);
      expect(response.status, `${path} ${JSON.stringify(options).slice(0, 120)}`).toBe(status);
      await errorOf(response);
    }
    const malformed = await server.call(messages, {
      method: "POST",
      headers: {
        "x-nexus-site-token": token,
        "x-nexus-visitor": visitor,
        origin: site,
        "content-type": "application/json",
      },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get("access-control-allow-origin")).toBe(site);
  });

  it("serves the script to any site, cacheable", async () => {
    const response = await server.call("/widget.js");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("cache-control")).toMatch(/max-age=\d+/);
    const etag = response.headers.get("etag");
    expect(etag).toBeTruthy();
    const again = await server.call("/widget.js", { headers: { "if-none-match": etag ?? "" } });
    expect(again.status).toBe(304);
  });

  it("documents the widget routes in the OpenAPI document", async () => {
    const response = await server.call("/api/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
    };
    for (const path of [
      "/api/widget/tokens",
      "/api/widget/tokens/{id}",
      "/api/widget/session",
      "/api/widget/conversations",
      "/api/widget/conversations/{id}/messages",
      "/api/widget/conversations/{id}/messages/{messageId}/stream",
      "/widget.js",
    ]) {
      expect(document.paths[path], path).toBeDefined();
    }
    const createBody = document.paths["/api/widget/tokens"]?.post?.requestBody?.content["application/json"];
    expect(JSON.stringify(createBody?.schema)).toContain("allowedOrigins");
  });
});
