import pino, { type Logger } from "pino";
import type { LogLevel } from "./config.ts";
import { batchedDestination } from "./log-destination.ts";

export type { Logger };

/**
 * Paths pino blanks out before a line is written. Secrets reach logs through request headers
 * and through objects that carry keys or connection strings; censor them by name. Explicit paths
 * only: a wildcard (`*.key`) makes every log line walk its object and doubles the cost of the
 * per-request access log, so log secret-bearing objects under one of these names or not at all.
 * (Explicit paths cost nothing on lines without these keys, such as the access log.)
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
 * and written in chunks of about 4 KiB, at least every 200 ms and on exit: an access-log line per
 * request would otherwise cost a syscall per request.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const stream = destination ?? batchedDestination();
  return pino(
    { level, base: { service: "nexus" }, redact: { paths: redactedPaths, censor: "[redacted]" } },
    stream,
  );
}
