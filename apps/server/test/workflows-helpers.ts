import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const difyFixtures = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../shared/fixtures/dify",
);

export const fixture = (name: string) => readFileSync(path.join(difyFixtures, name), "utf8");

/** Dify SSE frames of a response body, parsed (pings and comments dropped). */
export async function difyEvents(
  response: Response,
): Promise<Array<Record<string, unknown> & { event: string; _id?: number }>> {
  const text = await response.text();
  const events: Array<Record<string, unknown> & { event: string; _id?: number }> = [];
  for (const frame of text.split("\n\n")) {
    const data = frame.split("\n").find((line) => line.startsWith("data: "));
    if (!data) continue;
    const id = frame.split("\n").find((line) => line.startsWith("id: "));
    events.push({
      ...(JSON.parse(data.slice(6)) as { event: string }),
      ...(id ? { _id: Number(id.slice(4)) } : {}),
    });
  }
  return events;
}
