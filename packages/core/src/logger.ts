import pino, { type Logger } from "pino";
import type { LogLevel } from "./config.ts";

export type { Logger };

/**
 * Paths pino blanks out before a line is written. Secrets reach logs through request headers
 * and through objects that carry keys or connection strings; censor them by name.
 */
export const redactedPaths = [
  "req.headers.authorization",
  "req.headers['x-api-key']",
  "req.headers.cookie",
  "res.headers['set-cookie']",
  "*.apiKey",
  "*.key",
  "*.password",
  "*.secret",
  "*.token",
  "apiKey",
  "key",
  "password",
  "secret",
  "token",
];

/** Structured JSON logs on stdout (or the given stream), with secrets censored. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { service: "nexus" }, redact: { paths: redactedPaths, censor: "[redacted]" } },
    destination,
  );
}
