import { describe, expect, it } from "vitest";
import { startOpenAITestServer } from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { serverBackends, startTestServer, type TestServer } from "./test-server.ts";
import { fixture } from "./workflows-helpers.ts";

// A stream that would run for about 40 s if nobody stopped it.
const slow = { "slow-model": { delayMs: 500, chunkIntervalMs: 4_000 } };
const graceMs = 3_000;

/** Reads a response's first bytes; the returned function reads on to the end and gives all the text. */
async function opened(response: Response): Promise<() => Promise<string>> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value, { stream: true });
  return async () => {
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        text += decoder.decode(chunk.value, { stream: true });
      }
    } catch {
      text += "<connection closed>";
    }
    return text;
  };
}

/**
 * A server told to stop while clients still read streams stops within its shutdown grace: a chat
 * reply ends `stopped` with its `done` event, a workflow run's stream ends (the run is left to
 * resume) and an OpenAI completion stream still running when the grace is up is cut off, instead
 * of any of them holding the stop until their work finishes.
 */
describe.each(serverBackends)("stopping with open streams on $store (redis: $redis)", (backend) => {
  it("ends open streams and stops within the grace", { timeout: 120_000 }, async () => {
    const upstream = await startOpenAITestServer({ models: slow });
    let server: TestServer | undefined;
    try {
      server = await startTestServer(backend, {
        openaiUpstreams: [{ id: "double", baseURL: upstream.baseURL }],
        shutdownGraceMs: graceMs,
      });
      const key = await server.key("nexus-os");
      const call = server.call;

      const completion = await call("/v1/chat/completions", {
        method: "POST",
        key,
        json: {
          model: "double/slow-model",
          stream: true,
          messages: [{ role: "user", content: "a b c d e f" }],
        },
      });
      expect(completion.status).toBe(200);
      const completionText = await opened(completion);

      const conversation = (await (
        await call("/api/conversations", { method: "POST", key, json: { model: "double/slow-model" } })
      ).json()) as { id: string };
      const reply = await call(`/api/conversations/${conversation.id}/messages`, {
        method: "POST",
        key,
        json: { content: "one two three four five six" },
        headers: { accept: "text/event-stream" },
      });
      expect(reply.status).toBe(200);
      const replyText = await opened(reply);

      const yaml = fixture("basic_llm_chat_workflow.yml").replace("gpt-3.5-turbo", "slow-model");
      const { workflow } = (await (
        await call("/api/workflows/import", { method: "POST", key, json: { yaml } })
      ).json()) as { workflow: { id: string } };
      const run = await call(`/api/workflows/${workflow.id}/runs`, {
        method: "POST",
        key,
        json: { inputs: { query: "x" } },
      });
      expect(run.status).toBe(200);
      const runText = await opened(run);

      // Only Nexus's own stop is timed: dropping the test's PostgreSQL schema afterwards can wait
      // on locks held by other test files, which says nothing about how Nexus stops.
      const started = Date.now();
      await server.nexus.stop();
      const stopMs = Date.now() - started;
      // The grace, then chat replies told to stop (up to 5 s) and the stores and queues closing:
      // seconds on a busy machine, where a stream used to hold the stop for over a minute.
      expect(stopMs).toBeLessThan(graceMs + 15_000);

      expect(await replyText()).toMatch(/event: done\ndata: .*"status":"stopped"/);
      expect(await runText()).not.toContain("<connection closed>");
      expect(await completionText()).not.toContain("[DONE]");
    } finally {
      await server?.stop();
      await upstream.close();
    }
  });
});
