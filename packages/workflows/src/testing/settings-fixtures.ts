import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** DSL files the graph settings checks must reject (`rejected/`) or let through (`accepted/`). */
export const settingsFixturesDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../graph/__fixtures__",
);

export interface SettingsFixture {
  name: string;
  yaml: string;
  /** The whole error message an import must give (the file's `# expect:` line); rejected ones only. */
  expected?: string;
}

export function settingsFixtures(kind: "rejected" | "accepted"): SettingsFixture[] {
  const dir = path.join(settingsFixturesDir, kind);
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".yml"))
    .sort()
    .map((name) => {
      const yaml = fs.readFileSync(path.join(dir, name), "utf8");
      const expected = /^# expect: (.*)$/m.exec(yaml)?.[1];
      return { name, yaml, ...(expected ? { expected } : {}) };
    });
}
