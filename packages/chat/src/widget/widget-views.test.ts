import { describe, expect, it } from "vitest";
import type { GenerationEvent } from "../generation/generation-events.ts";
import type { FollowedGeneration } from "../generation/stored-generation-follower.ts";
import { widgetFailureMessage, widgetGenerationOf, widgetOwnerOf, widgetSessionOf } from "./widget-views.ts";

describe("widget views", () => {
  const token = {
    id: "site_1",
    workspaceId: "ws_1",
    agentId: "agent_1",
    name: "t",
    tokenPrefix: "nxw_abc",
    allowedOrigins: [],
    requestsPerMinute: 60,
    visitorRequestsPerMinute: 20,
    theme: { primaryColor: "#111111", position: "left" as const },
    createdAt: "",
    revokedAt: null,
  };

  it("owns a visitor's conversations per token", () => {
    expect(widgetOwnerOf(token, "visitor_0123456789")).toEqual({
      workspaceId: "ws_1",
      ownerId: "widget:site_1:visitor_0123456789",
    });
  });

  it("shows the agent's public face, title and greeting defaulting to its name and opening message", () => {
    const agent = {
      id: "agent_1",
      name: "Helper",
      avatar: "🤖",
      description: "internal notes",
      systemPrompt: "secret prompt",
      model: "provider/secret-model",
      params: {},
      openingMessage: "Hi! How can I help?",
      suggestedQuestions: ["Prices?"],
      tools: [],
      knowledgeBases: [],
      fetchAllowedHosts: [],
      createdAt: "",
      updatedAt: "",
    };
    const session = widgetSessionOf(agent, token);
    expect(session).toEqual({
      agent: {
        name: "Helper",
        avatar: "🤖",
        openingMessage: "Hi! How can I help?",
        suggestedQuestions: ["Prices?"],
      },
      theme: { primaryColor: "#111111", position: "left", title: "Helper", greeting: "Hi! How can I help?" },
      limits: { messageCharacters: 4000 },
    });
    expect(JSON.stringify(session)).not.toMatch(/secret|internal/);
  });

  it("follows text only and hides why a generation failed", async () => {
    let closed = false;
    const events: GenerationEvent[] = [
      { type: "delta", offset: 0, text: "Hel" },
      { type: "tool", index: 0, part: { type: "tool_call", id: "c", name: "fetch_page", arguments: "{}" } },
      { type: "delta", offset: 3, text: "lo" },
      {
        type: "done",
        status: "failed",
        error: { type: "upstream_error", message: "http://10.0.0.5 said 500" },
      },
    ];
    const followed: FollowedGeneration = {
      snapshot: {
        content: "",
        parts: [{ type: "tool_result", toolCallId: "c", name: "fetch_page", content: "x" }],
        status: "generating",
      },
      events: (async function* () {
        yield* events;
      })(),
      close: async () => {
        closed = true;
      },
    };
    const widget = widgetGenerationOf(followed);
    expect(widget.snapshot).toEqual({ content: "", parts: [], status: "generating" });
    const seen: GenerationEvent[] = [];
    for await (const event of widget.events) seen.push(event);
    expect(seen).toEqual([
      { type: "delta", offset: 0, text: "Hel" },
      { type: "delta", offset: 3, text: "lo" },
      { type: "done", status: "failed", error: { type: "upstream_error", message: widgetFailureMessage } },
    ]);
    await widget.close();
    expect(closed).toBe(true);
  });
});
