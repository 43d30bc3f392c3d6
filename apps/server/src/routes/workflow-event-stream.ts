import { PassThrough } from "node:stream";
import type { DifyEvent, LiveRun } from "@nexus/workflows";
import type { FastifyReply } from "fastify";

const pingMs = 10_000;

/**
 * Serves a live run as Dify's server-sent events: `data: {"event": …}` frames, each with an
 * `id:` (its sequence in the run) so a client that drops can come back with `Last-Event-ID`
 * and get the rest, and `event: ping` every 10 s as Dify sends. Ends after the run's last event.
 * The client leaving only stops the following: the run goes on.
 */
export function sendRunEvents(reply: FastifyReply, live: LiveRun, after = 0): FastifyReply {
  const stream = new PassThrough();
  let ended = false;
  const write = (event: DifyEvent, sequence: number) => {
    if (!ended) stream.write(`id: ${sequence}\ndata: ${JSON.stringify(event)}\n\n`);
  };
  const ping = setInterval(() => {
    if (!ended) stream.write("event: ping\n\n");
  }, pingMs);
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(ping);
    unfollow();
    stream.end();
  };
  const unfollow = live.follow(after, write, end);
  reply.raw.once("close", end);
  return reply
    .header("content-type", "text/event-stream; charset=utf-8")
    .header("cache-control", "no-cache")
    .header("x-accel-buffering", "no")
    .send(stream);
}

/** The sequence a reconnecting client last saw: `Last-Event-ID`, else `?after=`. */
export function resumeAfter(lastEventId: unknown, after: unknown): number {
  const value = Number(typeof lastEventId === "string" && lastEventId !== "" ? lastEventId : (after ?? 0));
  return Number.isInteger(value) && value > 0 ? value : 0;
}
