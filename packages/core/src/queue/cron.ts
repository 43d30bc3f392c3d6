import { CronExpressionParser } from "cron-parser";
import { invalidRequest } from "../errors.ts";

/**
 * The first time the cron expression names strictly after `after` (epoch milliseconds), in UTC.
 * Five fields are minute precision; a sixth leading field adds seconds (`* * * * * *` fires
 * every second), as BullMQ reads them.
 */
export function nextCronTime(cron: string, after: number): number {
  return CronExpressionParser.parse(cron, { currentDate: after, tz: "UTC" }).next().getTime();
}

/** Throws a NexusError `invalid_request` when the expression cannot be parsed. */
export function assertValidCron(cron: string): void {
  try {
    nextCronTime(cron, Date.now());
  } catch (error) {
    throw invalidRequest(
      `cron '${cron}' is not a valid cron expression: ${(error as Error).message}`,
      "cron",
    );
  }
}
