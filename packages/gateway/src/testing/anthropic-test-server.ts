import { createServer, type ServerResponse } from "node:http";
import {
  type AnthropicMessagesRequest,
  type AnthropicStreamEvent,
  anthropicErrorTypeOf,
  anthropicMessagesRequestSchema,
  formatAnthropicEvent,
} from "../protocol/anthropic-messages.ts";
import {
  contentOf,
  inputTokensOf,
  replyTo,
  type TestReply,
  toolHistoryProblem,
} from "./anthropic-test-reply.ts";
import type { TestModelBehavior } from "./openai-test-server.ts";
import {
  closeServer,
  listenOnLoopback,
  type RecordedRequest,
  recordRequest,
  sendJson,
  sleep,
} from "./test-http.ts";

/**
 * A stand-in for Anthropic's API in tests: a real HTTP server on 127.0.0.1 speaking the Messages
 * API as Anthropic does (headers checked, JSON and SSE bodies, `event:` names, pings, error bodies
 * `{"type":"error","error":{…}}`, Retry-After, 529 overloaded), so the code under test goes
 * through real sockets, fetch and stream parsing. Answers are deterministic (see
 * anthropic-test-reply.ts). Misbehaviour is scripted per model name or per request with the
 * header `x-test-behavior: <json>`, which wins.
 *
 * @example
 * const upstream = await startAnthropicTestServer({ apiKey: "sk-ant-test" });
 * const client = new Anthropic({ baseURL: upstream.baseURL, apiKey: "sk-ant-test" });
 * await client.messages.create({ model: "test-chat", max_tokens: 64, messages });
 */
export interface AnthropicTestModelBehavior extends TestModelBehavior {
  /** After this many text deltas, send an `error` event (overloaded_error) and end the stream. */
  streamErrorAfterChunks?: number;
}

export interface AnthropicTestServer {
  /** `http://127.0.0.1:<port>`, the base URL Anthropic's clients take (they add `/v1/…`). */
  baseURL: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** The bodies of `POST /v1/messages` requests, newest last. */
  messageRequests(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface AnthropicTestServerOptions {
  /** When set, requests must send `x-api-key: <apiKey>`. */
  apiKey?: string;
  /** Models offered, with scripted behaviour; defaults to `defaultAnthropicTestModels`. */
  models?: Record<string, AnthropicTestModelBehavior>;
  /** The most models one `GET /v1/models` page holds (Anthropic's cap is 1000). */
  maxPageSize?: number;
}

/** `test-chat` (well-behaved) and one model per misbehaviour; any model calls tools when offered. */
export const defaultAnthropicTestModels: Record<string, AnthropicTestModelBehavior> = {
  "test-chat": {},
  "test-rate-limited": { status: 429, retryAfterSeconds: 7 },
  "test-overloaded": { status: 529 },
  "test-server-error": { status: 500 },
  "test-slow": { delayMs: 400 },
  "test-dies-midway": { dieAfterChunks: 2 },
  "test-stream-error": { streamErrorAfterChunks: 2 },
  "test-dribble": { chunkIntervalMs: 50 },
};

export async function startAnthropicTestServer(
  options: AnthropicTestServerOptions = {},
): Promise<AnthropicTestServer> {
  const models = options.models ?? defaultAnthropicTestModels;
  const requests: RecordedRequest[] = [];
  let counter = 0;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const requestId = `req_test${++counter}`;
      response.setHeader("request-id", requestId);
      const [path = "/", query = ""] = (request.url ?? "/").split("?");
      const text = Buffer.concat(chunks).toString("utf8");
      const fail = (status: number, message: string, headers: Record<string, string> = {}) =>
        sendError(response, status, message, requestId, headers);
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        return fail(400, "There was an issue with the format of your request: invalid JSON");
      }
      const recorded = recordRequest(requests, request, response, path, body);
      if (options.apiKey && request.headers["x-api-key"] !== options.apiKey) {
        return fail(401, "invalid x-api-key");
      }
      if (!request.headers["anthropic-version"]) return fail(400, "anthropic-version: header is required");
      if (recorded.method === "GET" && path === "/v1/models") {
        return sendJson(response, 200, listModels(Object.keys(models), new URLSearchParams(query)));
      }
      if (recorded.method !== "POST" || path !== "/v1/messages") return fail(404, "Not found");
      // Anthropic rejects fields it does not know ("Extra inputs are not permitted"), so does the double.
      const parsed = anthropicMessagesRequestSchema.strict().safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return fail(400, `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
      }
      const problem = toolHistoryProblem(parsed.data.messages);
      if (problem) return fail(400, problem);
      const scripted = request.headers["x-test-behavior"];
      const behavior: AnthropicTestModelBehavior | undefined =
        typeof scripted === "string" ? JSON.parse(scripted) : models[parsed.data.model];
      if (!behavior) return fail(404, `model: ${parsed.data.model}`);
      answer(parsed.data, behavior, response, fail, `msg_test${counter}`).catch(() => response.destroy());
    });
  });

  function listModels(ids: string[], query: URLSearchParams) {
    const limit = Math.min(Number(query.get("limit") ?? 20), options.maxPageSize ?? 1000);
    const afterId = query.get("after_id");
    const start = afterId ? ids.indexOf(afterId) + 1 : 0;
    const page = ids.slice(start, start + limit);
    return {
      data: page.map((id) => ({
        type: "model",
        id,
        display_name: `Test ${id}`,
        created_at: "2025-01-01T00:00:00Z",
        max_input_tokens: 200_000,
      })),
      has_more: start + limit < ids.length,
      first_id: page[0] ?? null,
      last_id: page.at(-1) ?? null,
    };
  }

  return {
    baseURL: await listenOnLoopback(server),
    requests,
    messageRequests: () =>
      requests
        .filter((request) => request.path === "/v1/messages")
        .map((request) => request.body as Record<string, unknown>),
    close: () => closeServer(server),
  };
}

async function answer(
  request: AnthropicMessagesRequest,
  behavior: AnthropicTestModelBehavior,
  response: ServerResponse,
  fail: (status: number, message: string, headers?: Record<string, string>) => void,
  id: string,
): Promise<void> {
  if (behavior.delayMs) await sleep(behavior.delayMs);
  if (response.destroyed) return;
  if (behavior.status) {
    const headers: Record<string, string> = behavior.retryAfterSeconds
      ? { "retry-after": String(behavior.retryAfterSeconds) }
      : {};
    return fail(
      behavior.status,
      behavior.status === 529 ? "Overloaded" : `Scripted failure ${behavior.status}`,
      headers,
    );
  }
  const reply = replyTo(request);
  const usage = { input_tokens: inputTokensOf(request), output_tokens: Math.max(1, reply.pieces.length) };
  if (request.stream === true) return stream(response, id, request, reply, behavior, usage);
  sendJson(response, 200, {
    id,
    type: "message",
    role: "assistant",
    model: request.model,
    content: contentOf(reply),
    stop_reason: reply.stopReason,
    stop_sequence: reply.stopSequence,
    usage: { ...usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  });
}

async function stream(
  response: ServerResponse,
  id: string,
  request: AnthropicMessagesRequest,
  reply: TestReply,
  behavior: AnthropicTestModelBehavior,
  usage: { input_tokens: number; output_tokens: number },
): Promise<void> {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  const send = (event: AnthropicStreamEvent) => response.write(formatAnthropicEvent(event));
  send({
    type: "message_start",
    message: {
      id,
      type: "message",
      role: "assistant",
      model: request.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: usage.input_tokens,
        output_tokens: 1,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    },
  });
  let index = 0;
  if (reply.pieces.length > 0) {
    send({ type: "content_block_start", index, content_block: { type: "text", text: "" } });
    send({ type: "ping" });
    for (const [sent, piece] of reply.pieces.entries()) {
      if (behavior.dieAfterChunks !== undefined && sent >= behavior.dieAfterChunks) {
        // Let the events so far reach the client first, as a crash after a flush would.
        await sleep(20);
        response.socket?.destroy();
        return;
      }
      if (behavior.streamErrorAfterChunks !== undefined && sent >= behavior.streamErrorAfterChunks) {
        response.end(
          formatAnthropicEvent({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
        );
        return;
      }
      if (behavior.chunkIntervalMs) await sleep(behavior.chunkIntervalMs);
      if (response.destroyed) return;
      send({ type: "content_block_delta", index, delta: { type: "text_delta", text: piece } });
    }
    send({ type: "content_block_stop", index });
    index++;
  }
  if (reply.toolUse) {
    const { id: toolId, name, input } = reply.toolUse;
    send({
      type: "content_block_start",
      index,
      content_block: { type: "tool_use", id: toolId, name, input: {} },
    });
    // Anthropic starts a tool's input with an empty delta, then sends the JSON in pieces.
    const json = JSON.stringify(input);
    const middle = Math.floor(json.length / 2);
    for (const partial of ["", json.slice(0, middle), json.slice(middle)]) {
      send({
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: partial },
      });
    }
    send({ type: "content_block_stop", index });
  }
  send({
    type: "message_delta",
    delta: { stop_reason: reply.stopReason, stop_sequence: reply.stopSequence },
    usage: { output_tokens: usage.output_tokens },
  });
  response.end(formatAnthropicEvent({ type: "message_stop" }));
}

function sendError(
  response: ServerResponse,
  status: number,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
) {
  const type = anthropicErrorTypeOf(status);
  sendJson(response, status, { type: "error", error: { type, message }, request_id: requestId }, headers);
}
