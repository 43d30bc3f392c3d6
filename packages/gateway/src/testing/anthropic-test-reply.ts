import type {
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicResponseBlock,
  AnthropicStopReason,
} from "../protocol/anthropic-messages.ts";

/**
 * What the Anthropic test double answers, decided from the request alone (deterministic):
 * `You said: <last user text>` one word per delta; with tools offered (and tool_choice not
 * `none`), a short text block and then a call of the first tool (or the named one) with
 * `{"input": <last user text>}`; after a tool result, `Tool said: <result>`. `max_tokens` cuts the
 * text at that many words (`max_tokens`) and a stop sequence in the text cuts it there
 * (`stop_sequence`), as Anthropic does.
 */
export interface TestReply {
  /** Text pieces, as streamed; joined they are the text block. */
  pieces: string[];
  toolUse?: { id: string; name: string; input: Record<string, unknown> };
  stopReason: AnthropicStopReason;
  stopSequence: string | null;
}

export function replyTo(request: AnthropicMessagesRequest): TestReply {
  const last = request.messages.at(-1);
  const lastUser = [...request.messages].reverse().find((message) => message.role === "user");
  const toolResult = lastToolResult(last);
  const offered = request.tools ?? [];
  if (toolResult === undefined && offered.length > 0 && request.tool_choice?.type !== "none") {
    const name =
      request.tool_choice?.type === "tool" ? request.tool_choice.name : (offered[0]?.name ?? "tool");
    return {
      pieces: ["Calling ", `${name}.`],
      toolUse: { id: "toolu_test1", name, input: { input: userText(lastUser) } },
      stopReason: "tool_use",
      stopSequence: null,
    };
  }
  const text = toolResult === undefined ? `You said: ${userText(lastUser)}` : `Tool said: ${toolResult}`;
  return cut(text, request);
}

function cut(text: string, request: AnthropicMessagesRequest): TestReply {
  let stopReason: AnthropicStopReason = "end_turn";
  let stopSequence: string | null = null;
  for (const sequence of request.stop_sequences ?? []) {
    const at = sequence ? text.indexOf(sequence) : -1;
    if (at !== -1) {
      text = text.slice(0, at);
      stopReason = "stop_sequence";
      stopSequence = sequence;
    }
  }
  let pieces = text.split(/(?<= )/).filter(Boolean);
  if (pieces.length > request.max_tokens) {
    pieces = pieces.slice(0, request.max_tokens);
    stopReason = "max_tokens";
    stopSequence = null;
  }
  return { pieces, stopReason, stopSequence };
}

/** The reply as a whole message's content blocks. */
export function contentOf(reply: TestReply): AnthropicResponseBlock[] {
  const text = reply.pieces.join("");
  return [
    ...(text ? [{ type: "text" as const, text }] : []),
    ...(reply.toolUse ? [{ type: "tool_use" as const, ...reply.toolUse }] : []),
  ];
}

function lastToolResult(message: AnthropicMessageParam | undefined): string | undefined {
  if (message?.role !== "user" || typeof message.content === "string") return undefined;
  for (const block of message.content) {
    if (block.type !== "tool_result") continue;
    if (typeof block.content === "string") return block.content;
    return (block.content ?? []).map((inner) => (inner.type === "text" ? inner.text : "")).join("");
  }
  return undefined;
}

function userText(message: AnthropicMessageParam | undefined): string {
  if (!message) return "";
  if (typeof message.content === "string") return message.content;
  return message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
}

/** Roughly one token per whitespace-separated word of the request's messages and system prompt. */
export function inputTokensOf(request: AnthropicMessagesRequest): number {
  return JSON.stringify([request.system ?? "", request.messages]).split(/\s+/).length;
}

/**
 * Anthropic's own consistency checks on tool use: every tool_result answers a tool_use of the
 * message just before, and every tool_use is answered in the message just after (unless it is
 * the last message). Returns the error message, or undefined when the history is sound.
 */
export function toolHistoryProblem(messages: AnthropicMessageParam[]): string | undefined {
  for (const [index, message] of messages.entries()) {
    const blocks = typeof message.content === "string" ? [] : message.content;
    const previous = messages[index - 1];
    const offered = new Set(
      (typeof previous?.content === "string" ? [] : (previous?.content ?? [])).flatMap((block) =>
        block.type === "tool_use" ? [block.id] : [],
      ),
    );
    for (const block of blocks) {
      if (block.type === "tool_result" && !offered.has(block.tool_use_id)) {
        return `messages.${index}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
    const next = messages[index + 1];
    if (!next) continue;
    const answered = new Set(
      (typeof next.content === "string" ? [] : next.content).flatMap((block) =>
        block.type === "tool_result" ? [block.tool_use_id] : [],
      ),
    );
    for (const block of blocks) {
      if (block.type === "tool_use" && !answered.has(block.id)) {
        return `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${block.id}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
  }
  return undefined;
}
