import type { ChatCompletionChunk } from "./openai-chat.ts";

/**
 * An upstream's stream chunk kept as the JSON text it arrived as, with the two facts the gateway
 * needs from it (the length of its content, whether it finishes a choice) read off the text. It
 * is parsed only if something needs the object (`value()`).
 *
 * Parsing every chunk (JSON.parse, the objects it builds, remembering the text) was the largest
 * single cost of a stream through the gateway. A client speaking the upstream's protocol (OpenAI
 * SSE in, OpenAI SSE out) gets each chunk's text as it came; whatever reads chunks as objects
 * (the Anthropic front, the cache, Nexus's own callers) still gets parsed objects.
 *
 * Only plain content chunks travel this way (see `scanPassThroughChunk`): an error event, the
 * usage chunk and anything the scan is not sure of are parsed at once, as before.
 */
export class PassThroughChunk {
  private parsed: ChatCompletionChunk | undefined;

  constructor(
    /** The event's data, the chunk's JSON text. */
    readonly text: string,
    /** UTF-16 length of its choices' `delta.content`, as `content.length` of the parsed chunk. */
    readonly contentChars: number,
    /** A choice in it has a `finish_reason`. */
    readonly finishes: boolean,
    private readonly parse: (text: string) => ChatCompletionChunk,
  ) {}

  /** The chunk as an object, parsed on first use; throws what `parse` throws (bad JSON). */
  value(): ChatCompletionChunk {
    this.parsed ??= this.parse(this.text);
    return this.parsed;
  }
}

const quote = 34;
const backslash = 92;
const colon = 58;
const lowercaseU = 117;
const lowercaseN = 110;

/** What a scan learned: the chunk's facts, or that it must be parsed to know. */
export type ChunkScan = { contentChars: number; finishes: boolean } | undefined;

/** The keys whose values the scan looks at. */
const Key = { Other: 0, Error: 1, Usage: 2, FinishReason: 3, Content: 4 } as const;
type Key = (typeof Key)[keyof typeof Key];

/**
 * Reads a chunk's facts off its JSON text without parsing it, or answers undefined when the chunk
 * must be parsed: one that may be an error event or carry usage, content that is not a plain
 * string, anything not shaped as expected.
 *
 * One pass over the text, string by string, jumping from quote to quote: a string followed by `:`
 * is a key, and the value of `content`, `finish_reason`, `usage` or `error` is looked at. Quotes
 * inside strings are escaped, so text inside a value never reads as a key. (Four `indexOf`
 * passes for the keys cost as much as JSON.parse: every quote in the text is a candidate match
 * for a pattern that starts with one.)
 */
export function scanPassThroughChunk(text: string): ChunkScan {
  const length = text.length;
  if (text.charCodeAt(0) !== 123 /* { */ || text.charCodeAt(length - 1) !== 125 /* } */) return undefined;
  let contentChars = 0;
  let finishes = false;
  let at = text.indexOf('"', 1);
  for (; at !== -1; at = text.indexOf('"', at)) {
    const keyStart = at + 1;
    const keyEnd = stringEnd(text, at);
    if (keyEnd === -1) return undefined;
    at = skipSpaces(text, keyEnd + 1);
    // A string not followed by a colon is a value: go on after it.
    if (text.charCodeAt(at) !== colon) continue;
    const key = keyOf(text, keyStart, keyEnd);
    at = skipSpaces(text, at + 1);
    if (key === Key.Other) continue;
    if (key === Key.Error) return undefined;
    const isNull = text.charCodeAt(at) === lowercaseN && text.startsWith("null", at);
    if (key === Key.Usage) {
      if (!isNull) return undefined;
    } else if (key === Key.FinishReason) {
      if (!isNull) finishes = true;
    } else if (text.charCodeAt(at) === quote) {
      const end = stringEnd(text, at);
      if (end === -1) return undefined;
      contentChars += decodedLength(text, at + 1, end);
      at = end + 1;
    } else if (!isNull) {
      // Content parts, or a `content` of some other shape: parse to be sure.
      return undefined;
    }
  }
  return { contentChars, finishes };
}

function keyOf(text: string, start: number, end: number): Key {
  switch (end - start) {
    case 5:
      if (text.startsWith("usage", start)) return Key.Usage;
      if (text.startsWith("error", start)) return Key.Error;
      return Key.Other;
    case 7:
      return text.startsWith("content", start) ? Key.Content : Key.Other;
    case 13:
      return text.startsWith("finish_reason", start) ? Key.FinishReason : Key.Other;
    default:
      return Key.Other;
  }
}

/** The index of the quote closing the JSON string that opens at `start`; -1 if it does not close. */
function stringEnd(text: string, start: number): number {
  for (let at = text.indexOf('"', start + 1); at !== -1; at = text.indexOf('"', at + 1)) {
    // Escaped when an odd number of backslashes precede it (the opening quote stops the count).
    let before = at - 1;
    while (text.charCodeAt(before) === backslash) before--;
    if ((at - 1 - before) % 2 === 0) return at;
  }
  return -1;
}

/**
 * The UTF-16 length JSON.parse gives the string whose raw text is `start`..`end`: an escape is one
 * code unit (`\n`, `\"`, `\u00e9`).
 */
function decodedLength(text: string, start: number, end: number): number {
  let length = 0;
  for (let at = start; at < end; at++) {
    if (text.charCodeAt(at) === backslash) at += text.charCodeAt(at + 1) === lowercaseU ? 5 : 1;
    length++;
  }
  return length;
}

function skipSpaces(text: string, from: number): number {
  let at = from;
  for (let code = text.charCodeAt(at); code === 32 || code === 9 || code === 10 || code === 13; ) {
    at++;
    code = text.charCodeAt(at);
  }
  return at;
}

/**
 * A chunk iterator that can also hand chunks over unparsed: the gateway's own streams, from the
 * OpenAI-compatible provider's up to `Gateway.stream`'s. `nextPassThrough()` is `next()` except
 * that a chunk may come as a PassThroughChunk; a consumer uses one or the other throughout.
 */
export interface PassThroughChunkSource {
  nextPassThrough(): Promise<IteratorResult<ChatCompletionChunk | PassThroughChunk>>;
}

/** The iterator as a PassThroughChunkSource, when it is one. */
export function passThroughSourceOf(iterator: object): PassThroughChunkSource | undefined {
  return typeof (iterator as Partial<PassThroughChunkSource>).nextPassThrough === "function"
    ? (iterator as PassThroughChunkSource)
    : undefined;
}
