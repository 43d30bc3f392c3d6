import { PassThrough } from "node:stream";
import type { FollowedGeneration, MessageView } from "@nexus/chat";
import type { FastifyBaseLogger, FastifyReply } from "fastify";

const heartbeatMs = 15_000;

/**
 * Serves a followed generation as server-sent events (docs/chat-api.md): `snapshot` first, then
 * `delta` and `tool` as they come, `error` when it failed, and `done` with the stored message.
 * Each event has an `id:` sequence number; a comment every 15 s keeps proxies from closing the
 * connection. The client leaving only stops the following: the generation goes on.
 * `register` receives a function that ends the stream and a promise that settles when it has
 * ended (the server shutting down waits a moment for `done`, then ends what is left).
 */
export function sendGenerationEvents<FinalMessage = MessageView>(
  reply: FastifyReply,
  followed: FollowedGeneration,
  options: {
    /** The stored message as `done` carries it (the widget API sends its own, smaller view). */
    finalMessage(): Promise<FinalMessage>;
    log: FastifyBaseLogger;
    /** An event sent before the snapshot (the `created` messages of a turn streamed at once). */
    first?: { event: string; data: unknown };
    register(stream: { end: () => void; ended: Promise<void> }): () => void;
  },
): FastifyReply {
  const stream = new PassThrough();
  let sequence = 0;
  let ended = false;
  let settle!: () => void;
  const endedPromise = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const write = (event: string, data: unknown) => {
    if (!ended) stream.write(`id: ${++sequence}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const heartbeat = setInterval(() => {
    if (!ended) stream.write(": keep-alive\n\n");
  }, heartbeatMs);
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    unregister();
    void followed.close();
    stream.end();
    settle();
  };
  const unregister = options.register({ end, ended: endedPromise });
  reply.raw.once("close", end);

  if (options.first) write(options.first.event, options.first.data);
  write("snapshot", followed.snapshot);
  void (async () => {
    try {
      for await (const event of followed.events) {
        if (ended) return;
        if (event.type === "delta") write("delta", { text: event.text });
        else if (event.type === "tool") write("tool", { part: event.part });
        else {
          if (event.status === "failed" && event.error) write("error", { error: event.error });
          write("done", { message: await options.finalMessage() });
          return;
        }
      }
    } catch (error) {
      options.log.warn({ err: error }, "a chat stream failed");
    } finally {
      end();
    }
  })();

  return reply
    .header("content-type", "text/event-stream; charset=utf-8")
    .header("cache-control", "no-cache")
    .header("x-accel-buffering", "no")
    .send(stream);
}
