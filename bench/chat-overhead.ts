/**
 * Chat overhead (issue 5, benchmark 1): time to first token through the chat API against the
 * gateway's `/v1/chat/completions` (stream: true) on the same model, same Nexus, same run.
 *   chat API — POST /api/conversations/:id/messages (202), then GET …/messages/:messageId/stream;
 *              timed from the POST to the first event carrying text: a `delta`, or the opening
 *              `snapshot` when the reply had already begun by the time the stream connected (with
 *              a fast upstream it often has: the reply is generated on the server from the POST on).
 *              And the streamed send the web app uses: the POST with `Accept: text/event-stream`
 *              answers with the reply's stream (`created` first), one request; timed the same way.
 *   gateway  — POST /v1/chat/completions, stream: true; timed to the first chunk with content.
 * Each chat sample gets a fresh conversation (created untimed, model set, through the API), so
 * both paths send the model the same one-message prompt. Every reply is read to its end and
 * checked (the stub's 20 tokens, status complete) before the next request.
 * Rows: the stub upstream (/work/shared/peers/stub.mjs via NEXUS_OPENAI_UPSTREAMS, model
 * `stub/stub-model`) and the local GGUF model (/work/shared/models via NEXUS_MODELS_DIR). The two
 * paths take turns (which goes first rotates), sequentially, one keep-alive connection, after
 * a warm-up. With two or more cores Nexus and the stub run on core 1, this client on core 0.
 * Target: under 5 ms added at p50.
 *
 *   npx tsx bench/chat-overhead.ts [--samples 200] [--warmup 20] [--no-local]
 */
import http from "node:http";
import path from "node:path";
import { canPin, cleanup, machineLine, quantile, startNexusServer, startStub } from "./bench-processes.ts";

const flag = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const samples = flag("--samples", 200);
const warmup = flag("--warmup", 20);
const withLocal = !process.argv.includes("--no-local");
const localModelFile = "/work/shared/models/llama-2-tiny-random.gguf";
const prompt = "Say hello.";
// The same generation settings on both paths (the stub ignores them; they keep the local model's
// replies short and deterministic). The chat API takes them from an agent.
const params = { max_tokens: 20, temperature: 0, seed: 42 };
const stubText = Array.from({ length: 20 }, (_, index) => `tok${index} `).join("");

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

interface Response {
  status: number;
  stream: http.IncomingMessage;
}

function request(
  method: string,
  url: string,
  key: string,
  body?: unknown,
  accept?: string,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const outgoing = http.request(
      url,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          ...(accept ? { accept } : {}),
          ...(payload === undefined
            ? {}
            : { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) }),
        },
      },
      (stream) => resolve({ status: stream.statusCode ?? 0, stream }),
    );
    outgoing.on("error", reject);
    outgoing.end(payload);
  });
}

function readText(stream: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      text += chunk;
    });
    stream.on("end", () => resolve(text));
    stream.on("error", reject);
  });
}

async function json<T>(
  method: string,
  url: string,
  key: string,
  body: unknown,
  expected: number,
): Promise<T> {
  const { status, stream } = await request(method, url, key, body);
  const text = await readText(stream);
  if (status !== expected) throw new Error(`${method} ${url}: ${status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Calls `onEvent` for each server-sent event as it arrives; resolves at the end of the body. */
function readEvents(
  stream: http.IncomingMessage,
  onEvent: (event: string, data: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf("\n\n"); end !== -1; end = buffered.indexOf("\n\n")) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        let event = "message";
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
        }
        if (data.length > 0) onEvent(event, data.join("\n"));
      }
    });
    stream.on("end", resolve);
    stream.on("error", reject);
  });
}

interface Target {
  url: string;
  key: string;
  model: string;
  agentId: string;
  /** The exact reply expected (the stub's), or undefined for any non-empty reply. */
  expectedText?: string;
}

interface ChatSample {
  ttftMs: number;
  firstTextInSnapshot: boolean;
}

/**
 * One chat sample. `streamed`: the send answers with the reply's stream (`Accept:
 * text/event-stream`, `created` first), as the web app sends; else the send answers 202 and the
 * reply is read from `GET …/stream`, a second request.
 */
async function viaChatApi(target: Target, streamed: boolean): Promise<ChatSample> {
  const { url, key } = target;
  const conversation = await json<{ id: string }>(
    "POST",
    `${url}/api/conversations`,
    key,
    { model: target.model, agentId: target.agentId },
    201,
  );
  const started = performance.now();
  const messages = `${url}/api/conversations/${conversation.id}/messages`;
  let followed: Response;
  if (streamed) {
    followed = await request("POST", messages, key, { content: prompt }, "text/event-stream");
  } else {
    const sent = await json<{ assistantMessage: { id: string } }>(
      "POST",
      messages,
      key,
      { content: prompt },
      202,
    );
    followed = await request("GET", `${messages}/${sent.assistantMessage.id}/stream`, key);
  }
  if (followed.status !== 200)
    throw new Error(`chat stream: ${followed.status} ${await readText(followed.stream)}`);
  let firstText: number | undefined;
  let firstTextInSnapshot = false;
  let final: { status: string; content: string; error: string | null } | undefined;
  await readEvents(followed.stream, (event, data) => {
    const parsed = JSON.parse(data);
    if (firstText === undefined) {
      const text = event === "snapshot" ? parsed.content : event === "delta" ? parsed.text : "";
      if (text) {
        firstText = performance.now();
        firstTextInSnapshot = event === "snapshot";
      }
    }
    if (event === "done") final = parsed.message;
  });
  if (final?.status !== "complete" || firstText === undefined)
    throw new Error(`chat reply not complete: ${JSON.stringify(final)}`);
  if (target.expectedText !== undefined && final.content !== target.expectedText)
    throw new Error(
      `chat reply ${JSON.stringify(final.content.slice(0, 80))}, expected the stub's 20 tokens`,
    );
  return { ttftMs: firstText - started, firstTextInSnapshot };
}

async function viaGateway(target: Target): Promise<number> {
  const started = performance.now();
  const { status, stream } = await request("POST", `${target.url}/v1/chat/completions`, target.key, {
    model: target.model,
    stream: true,
    messages: [{ role: "user", content: prompt }],
    ...params,
  });
  if (status !== 200) throw new Error(`gateway: ${status} ${await readText(stream)}`);
  let firstText: number | undefined;
  let text = "";
  let lastData = "";
  await readEvents(stream, (_event, data) => {
    lastData = data;
    if (data === "[DONE]") return;
    const chunk = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string | null } }> };
    const content = chunk.choices?.[0]?.delta?.content;
    if (content) {
      firstText ??= performance.now();
      text += content;
    }
  });
  if (lastData !== "[DONE]" || firstText === undefined) throw new Error("gateway stream did not finish");
  if (target.expectedText !== undefined && text !== target.expectedText)
    throw new Error(`gateway reply ${JSON.stringify(text.slice(0, 80))}, expected the stub's 20 tokens`);
  return firstText - started;
}

async function measure(target: Target) {
  const paths = [
    { name: "gateway", run: () => viaGateway(target) },
    { name: "chat", run: async () => viaChatApi(target, false) },
    { name: "streamed", run: async () => viaChatApi(target, true) },
  ] as const;
  for (let index = 0; index < warmup; index += 1) for (const path of paths) await path.run();
  const gateway: number[] = [];
  const chat: ChatSample[] = [];
  const streamed: ChatSample[] = [];
  for (let index = 0; index < samples; index += 1) {
    // Rotate which path goes first, so drift on a shared machine hits all of them alike.
    for (let step = 0; step < paths.length; step += 1) {
      const path = paths[(index + step) % paths.length];
      if (!path) continue;
      const sample = await path.run();
      if (typeof sample === "number") gateway.push(sample);
      else (path.name === "chat" ? chat : streamed).push(sample);
    }
  }
  const percentiles = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99) };
  };
  return {
    gateway: percentiles(gateway),
    chat: percentiles(chat.map((sample) => sample.ttftMs)),
    streamed: percentiles(streamed.map((sample) => sample.ttftMs)),
    inSnapshot: chat.filter((sample) => sample.firstTextInSnapshot).length,
    streamedInSnapshot: streamed.filter((sample) => sample.firstTextInSnapshot).length,
  };
}

const fixed = (value: number) => value.toFixed(2);

try {
  const startedAt = machineLine();
  const stub = await startStub();
  const nexus = await startNexusServer({
    NEXUS_OPENAI_UPSTREAMS: JSON.stringify([{ id: "stub", baseURL: stub.baseURL }]),
    ...(withLocal ? { NEXUS_MODELS_DIR: path.dirname(localModelFile) } : {}),
    NEXUS_DISCOVERY_PORTS: "off",
  });
  const models = await json<{ data: Array<{ id: string }> }>(
    "GET",
    `${nexus.url}/v1/models`,
    nexus.key,
    undefined,
    200,
  );
  const ids = models.data.map((model) => model.id);
  const { id: agentId } = await json<{ id: string }>(
    "POST",
    `${nexus.url}/api/agents`,
    nexus.key,
    { name: "Benchmark", model: "stub/stub-model", params },
    201,
  );
  const rows: Array<{ name: string; target: Target }> = [];
  // The stub has no GET /v1/models, so its model is not listed; a call to it routes all the same.
  rows.push({
    name: "stub upstream",
    target: { url: nexus.url, key: nexus.key, model: "stub/stub-model", agentId, expectedText: stubText },
  });
  if (withLocal) {
    const wanted = `local/${path.basename(localModelFile, ".gguf")}`;
    const local = ids.includes(wanted) ? wanted : ids.find((id) => id.startsWith("local/"));
    if (local)
      rows.push({ name: "local GGUF", target: { url: nexus.url, key: nexus.key, model: local, agentId } });
    else console.error(`no local model in /v1/models (${ids.join(", ")}): local row skipped`);
  }

  const results = [];
  for (const row of rows) {
    console.error(`measuring ${row.target.model}: ${warmup} warm-up + ${samples} samples per path ...`);
    results.push({ ...row, result: await measure(row.target) });
  }

  console.log(
    `\nChat overhead: time to first token, chat API vs the gateway directly, same Nexus and model, ${samples} sequential samples per path (taking turns) after ${warmup} warm-up each`,
  );
  console.log(
    `${startedAt}${canPin ? "; Nexus and the stub on core 1, this client on core 0" : ""}; shared, busy machine\n`,
  );
  console.log("| model | path | p50 ms | p90 ms | p99 ms |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const { target, result } of results) {
    for (const [route, row] of [
      ["gateway `/v1/chat/completions`", result.gateway],
      ["chat API (POST message 202, then GET its stream)", result.chat],
      ["chat API (POST message answered with its stream, as the web app sends)", result.streamed],
    ] as const) {
      console.log(
        `| ${target.model} | ${route} | ${fixed(row.p50)} | ${fixed(row.p90)} | ${fixed(row.p99)} |`,
      );
    }
    for (const [route, row] of [
      ["**added by the chat API** (202 + stream)", result.chat],
      ["**added by the chat API** (streamed send)", result.streamed],
    ] as const) {
      console.log(
        `| ${target.model} | ${route} | ${fixed(row.p50 - result.gateway.p50)} | ${fixed(row.p90 - result.gateway.p90)} | ${fixed(row.p99 - result.gateway.p99)} |`,
      );
    }
  }
  console.log("");
  for (const { name, target, result } of results) {
    const added = result.chat.p50 - result.gateway.p50;
    const addedStreamed = result.streamed.p50 - result.gateway.p50;
    console.log(
      `${name} (${target.model}): +${fixed(added)} ms at p50 with 202 + stream (target < 5 ms: ${added < 5 ? "met" : "NOT met"}), +${fixed(addedStreamed)} ms with the streamed send (${addedStreamed < 5 ? "met" : "NOT met"}); first text already in the opening snapshot in ${result.inSnapshot} and ${result.streamedInSnapshot} of ${samples} samples`,
    );
  }
  console.log(`at the end: ${machineLine()}`);
} finally {
  agent.destroy();
  cleanup();
}
