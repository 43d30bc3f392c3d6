import { NexusError } from "@nexus/core";
import type { z } from "zod";

/** Parses with `schema` or throws a 400 naming the first few problems and where they are. */
export function parseOrThrow<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: string,
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
  const param = result.error.issues[0]?.path.join(".") || undefined;
  throw new NexusError("invalid_request", `Invalid ${what}: ${details}`, { param });
}
