import type { z } from "zod";
import { commonNodeDataSchema } from "./schema-parts.ts";

/**
 * The wording of node settings problems, shared by the server's graph checks and the web editor:
 * "setting 'cases[0].conditions' must be an array, not a string ("x")". Browser-safe: zod only.
 */

/**
 * What is wrong with the types of a node's settings against the settings every node shares and
 * its type's `schema`, or undefined. Without a schema (a type Nexus does not know) only the
 * shared settings are checked.
 */
export function nodeSettingsProblem(data: unknown, schema: z.ZodType | undefined): string | undefined {
  for (const candidate of [commonNodeDataSchema, schema]) {
    const parsed = candidate?.safeParse(data, { error: wordIssue });
    const issue = parsed?.error?.issues[0];
    if (issue) return describeIssue(issue);
  }
  return undefined;
}

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

const expectedWords: Record<string, string> = {
  array: "an array",
  object: "an object",
  record: "an object",
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "a boolean",
};

function expectedOf(issue: RawIssue | Issue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return expectedWords[issue.expected] ?? issue.expected;
    case "invalid_value":
      return `one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}`;
    case "custom":
      return (issue.params as { expected?: string } | undefined)?.expected;
    case "invalid_union": {
      const options = issue.errors.flatMap((branch) =>
        branch.filter((item) => item.path.length === 0).map((item) => expectedOf(item)),
      );
      return options.length > 0 ? [...new Set(options)].join(" or ") : undefined;
    }
    default:
      return undefined;
  }
}

function received(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  if (typeof input === "object") return "an object";
  const preview = JSON.stringify(input) ?? String(input);
  const shown = preview.length > 40 ? `${preview.slice(0, 37)}…` : preview;
  return `${typeof input === "number" ? "a number" : typeof input === "boolean" ? "a boolean" : "a string"} (${shown})`;
}

/** The wording of every issue: what the setting must be and what it is. */
function wordIssue(issue: RawIssue): string | undefined {
  const expected = expectedOf(issue);
  if (!expected) return undefined;
  return issue.input === undefined
    ? `is missing; it must be ${expected}`
    : `must be ${expected}, not ${received(issue.input)}`;
}

function pathText(path: PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`,
    )
    .join("");
}

/**
 * "setting 'cases[0].conditions' must be an array, not …". A union where only one option got past
 * the outer type (a list of prompts with one bad role) is described by that option's issue.
 */
function describeIssue(issue: Issue, prefix: PropertyKey[] = []): string {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union") {
    const deeper = issue.errors.filter(
      (branch) => !branch.some((item) => item.path.length === 0 && item.code === "invalid_type"),
    );
    const inner = deeper.length === 1 ? deeper[0]?.[0] : undefined;
    if (inner) return describeIssue(inner, path);
  }
  return path.length === 0 ? `its settings ${issue.message}` : `setting '${pathText(path)}' ${issue.message}`;
}
