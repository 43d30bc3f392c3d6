import pino, { type Logger } from "pino";
import type { LogLevel } from "./config.ts";

export type { Logger };

/**
 * Paths pino blanks out before a line is written. Secrets reach logs through request headers
 * and through objects that carry keys or connection strings; censor them by name. Explicit paths
 * only: a wildcard (`*.key`) makes every log line walk its object and doubles the cost of the
 * per-request access log, so log secret-bearing objects under one of these names or not at all.
 */
export const redactedPaths = [
  "req.headers.authorization",
  "req.headers['x-api-key']",
  "req.headers.cookie",
  "res.headers['set-cookie']",
  "headers.authorization",
  "headers['x-api-key']",
  "headers.cookie",
  "apiKey",
  "key",
  "password",
  "secret",
  "token",
  "authorization",
  "loginCode",
  "upstream.apiKey",
  "provider.apiKey",
  "options.apiKey",
  "config.apiKey",
];

/**
 * Structured JSON logs on stdout (or the given stream), with secrets censored. Stdout is buffered
 * up to 4 KiB and written asynchronously, flushed at least every 200 ms and on exit: an
 * access-log line per request would otherwise cost a blocking syscall per request.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const stream = destination ?? bufferedStdout();
  return pino(
    { level, base: { service: "nexus" }, redact: { paths: redactedPaths, censor: "[redacted]" } },
    stream,
  );
}

function bufferedStdout(): pino.DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => {
    try {
      stream.flush();
    } catch {
      // A flush while a write is in flight is skipped; the next tick catches up.
    }
  }, 200).unref();
  return stream;
}
