/**
 * Reads a `text/event-stream` body incrementally and yields each event's `data` as soon as its
 * blank line arrives, so a proxied stream is never held back. Comments (`: keep-alive`, sent by
 * some hosted upstreams) and `event:`/`id:` fields are skipped: OpenAI chat streams use data only.
 * Stopping the iteration cancels the body.
 */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  let finished = false;
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let start = 0;
      let newline = buffer.indexOf("\n", start);
      while (newline !== -1) {
        const end = newline > start && buffer.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
        const line = buffer.slice(start, end);
        start = newline + 1;
        if (line === "") {
          if (data.length > 0) {
            yield data.join("\n");
            data = [];
          }
        } else if (line.startsWith("data:")) {
          data.push(line.slice(line.charCodeAt(5) === 32 ? 6 : 5));
        }
        newline = buffer.indexOf("\n", start);
      }
      buffer = buffer.slice(start);
    }
    // A last event without its blank line: kept, since some servers close right after it.
    if (data.length > 0) yield data.join("\n");
    finished = true;
  } finally {
    if (!finished) reader.cancel().catch(() => {});
  }
}
