import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The shared Dify DSL fixtures (see its PROVENANCE.md). */
export const difyFixturesDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../../shared/fixtures/dify",
);

export function difyFixtureNames(): string[] {
  return fs
    .readdirSync(difyFixturesDir)
    .filter((name) => name.endsWith(".yml"))
    .sort();
}

export function readDifyFixture(name: string): string {
  return fs.readFileSync(path.join(difyFixturesDir, name), "utf8");
}
