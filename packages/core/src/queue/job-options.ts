import { z } from "zod";
import { invalidRequest } from "../errors.ts";
import type { JobOptions } from "./queue.ts";

/**
 * Checks shared by both queue implementations, so a call that BullMQ would reject is rejected
 * by the local queue too and code tested on one runs on the other.
 */
const queueNameSchema = z
  .string()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  // BullMQ builds Redis keys from the name and refuses ':'.
  .regex(/^[^:]+$/, "must not contain ':'");

const jobIdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  // BullMQ numbers its own jobs and refuses caller ids that look like those numbers, or contain ':'.
  .refine((id) => `${Number.parseInt(id, 10)}` !== id, "must not be a whole number")
  .regex(/^[^:]+$/, "must not contain ':'");

const jobOptionsSchema = z.strictObject({
  attempts: z.number().int("must be a whole number").min(1, "must be at least 1").optional(),
  backoff: z
    .strictObject({
      type: z.enum(["fixed", "exponential"]),
      delayMs: z.number().int("must be a whole number").min(0, "must not be negative"),
    })
    .optional(),
  delayMs: z.number().int("must be a whole number").min(0, "must not be negative").optional(),
  jobId: jobIdSchema.optional(),
});

/** Throws a NexusError `invalid_request` naming the first problem. */
export function parseJobOptions(options: JobOptions | undefined): JobOptions {
  const parsed = jobOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) throw asInvalidRequest(parsed.error, "options");
  return parsed.data;
}

export function parseQueueName(queue: string): string {
  const parsed = queueNameSchema.safeParse(queue);
  if (!parsed.success) throw asInvalidRequest(parsed.error, "queue");
  return parsed.data;
}

function asInvalidRequest(error: z.ZodError, prefix: string) {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? [])].join(".");
  return invalidRequest(`${path} ${issue?.message ?? "is invalid"}`, path);
}

/**
 * Milliseconds to wait before the next try after `failures` failed tries (1 after the first).
 * Exponential doubles from `delayMs`: delayMs, 2×delayMs, 4×delayMs, … as BullMQ does.
 */
export function backoffDelayMs(backoff: JobOptions["backoff"], failures: number): number {
  if (!backoff) return 0;
  if (backoff.type === "fixed") return backoff.delayMs;
  return backoff.delayMs * 2 ** Math.max(0, failures - 1);
}
