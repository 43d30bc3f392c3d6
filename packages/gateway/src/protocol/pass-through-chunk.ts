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
const lowercaseU = 117;

/** What a scan learned: the chunk's facts, or that it must be parsed to know. */
export type ChunkScan = { contentChars: number; finishes: boolean } | undefined;

/**
 * Reads a chunk's facts off its JSON text without parsing it, or answers undefined when the chunk
 * must be parsed: one that may be an error event or carry usage, content that is not a plain
 * string, anything not shaped as expected. The keys are matched with their quotes, so text inside
 * a string value (where quotes are escaped) never matches.
 */
export function scanPassThroughChunk(text: string): ChunkScan {
  if (text.charCodeAt(0) !== 123 /* { */ || text.charCodeAt(text.length - 1) !== 125 /* } */)
    return undefined;
  if (text.includes('"error"')) return undefined;
  const usage = valueStart(text, '"usage"', 0);
  if (usage !== -1 && !isNull(text, usage)) return undefined;
  let finishes = false;
  for (let at = valueStart(text, '"finish_reason"', 0); at !== -1; ) {
    if (!isNull(text, at)) finishes = true;
    at = valueStart(text, '"finish_reason"', at);
  }
  let contentChars = 0;
  for (let at = valueStart(text, '"content"', 0); at !== -1; ) {
    if (text.charCodeAt(at) === quote) {
      const length = stringLength(text, at);
      if (length === -1) return undefined;
      contentChars += length;
    } else if (!isNull(text, at)) {
      // Content parts, or a `content` key of some other shape: parse to be sure.
      return undefined;
    }
    at = valueStart(text, '"content"', at);
  }
  return { contentChars, finishes };
}

/** Where the value of the next `key` (quoted) at or after `from` starts, past `:` and spaces; -1 if none. */
function valueStart(text: string, key: string, from: number): number {
  const found = text.indexOf(key, from);
  if (found === -1) return -1;
  let at = skipSpaces(text, found + key.length);
  if (text.charCodeAt(at) !== 58 /* : */) return valueStart(text, key, found + key.length);
  at = skipSpaces(text, at + 1);
  return at;
}

function skipSpaces(text: string, from: number): number {
  let at = from;
  for (let code = text.charCodeAt(at); code === 32 || code === 9 || code === 10 || code === 13; ) {
    at++;
    code = text.charCodeAt(at);
  }
  return at;
}

function isNull(text: string, at: number): boolean {
  return text.startsWith("null", at);
}

/**
 * The UTF-16 length of the JSON string starting at the quote at `start`, as JSON.parse would give
 * it: an escape is one code unit (`\n`, `\"`, `\u00e9`); -1 if the string does not close.
 */
function stringLength(text: string, start: number): number {
  let length = 0;
  for (let at = start + 1; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === quote) return length;
    if (code === backslash) at += text.charCodeAt(at + 1) === lowercaseU ? 5 : 1;
    length++;
  }
  return -1;
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
