import { EventEmitter } from "node:events";
import type { PassThrough } from "node:stream";
import { LiveRun, type RunOutcome } from "@nexus/workflows";
import type { FastifyReply } from "fastify";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resumeAfter, sendRunEvents } from "./workflow-event-stream.ts";

/** A reply that keeps what the route sends: its headers and the body stream's text. */
function capturedReply() {
  const raw = new EventEmitter();
  const headers: Record<string, string> = {};
  let text = "";
  let ended = false;
  const reply = {
    raw,
    header(name: string, value: string) {
      headers[name] = value;
      return reply;
    },
    send(stream: PassThrough) {
      stream.on("data", (chunk: Buffer) => {
        text += chunk.toString("utf8");
      });
      stream.on("end", () => {
        ended = true;
      });
      return reply;
    },
  };
  return { reply: reply as unknown as FastifyReply, raw, headers, text: () => text, ended: () => ended };
}

const outcome: RunOutcome = {
  status: "succeeded",
  outputs: {},
  answer: "",
  totalSteps: 1,
  totalTokens: 0,
  exceptionsCount: 0,
  elapsedMs: 1,
  conversation: {},
};

describe("a run's server-sent events", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends Dify's `event: ping` every 10 s while the run is quiet, and stops with the run", async () => {
    const live = new LiveRun({ runId: "r", taskId: "t", workflowId: "w" }, "ws", new AbortController(), 0);
    live.push({ event: "workflow_started" });
    const sent = capturedReply();
    sendRunEvents(sent.reply, live);
    expect(sent.headers["content-type"]).toMatch(/^text\/event-stream/);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(sent.text()).toBe(`id: 1\ndata: {"event":"workflow_started"}\n\n`);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.text().endsWith("event: ping\n\n")).toBe(true);
    live.push({ event: "node_started" });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent.text().match(/event: ping/g)).toHaveLength(2);
    expect(sent.text()).toContain(`id: 2\ndata: {"event":"node_started"}\n\n`);

    live.finish(outcome, [{ event: "workflow_finished" }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.ended()).toBe(true);
    const atEnd = sent.text();
    expect(atEnd.endsWith(`id: 3\ndata: {"event":"workflow_finished"}\n\n`)).toBe(true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(sent.text()).toBe(atEnd);
  });

  it("stops pinging when the client goes, while the run goes on", async () => {
    const live = new LiveRun({ runId: "r", taskId: "t", workflowId: "w" }, "ws", new AbortController(), 0);
    const sent = capturedReply();
    sendRunEvents(sent.reply, live);
    sent.raw.emit("close");
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.ended()).toBe(true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(sent.text()).toBe("");
    expect(live.finished).toBe(false);
  });

  it("resumes after Last-Event-ID, else ?after=", () => {
    expect(resumeAfter("4", undefined)).toBe(4);
    expect(resumeAfter(undefined, "2")).toBe(2);
    expect(resumeAfter("", undefined)).toBe(0);
  });
});
