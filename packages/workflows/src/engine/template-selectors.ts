import type { ValueSelector } from "../graph/graph-types.ts";
import type { VariablePool } from "./variable-pool.ts";

/** Dify's variable reference in text: `{{#nodeId.output#}}`, `{{#sys.query#}}`, `{{#node.obj.key#}}`. */
export const variableReferencePattern = /\{\{#([\w-]{1,64}(?:\.[\w-]{1,64}){1,10})#\}\}/g;

export type TemplateSegment = { text: string } | { selector: ValueSelector };

/** Splits a template into literal text and variable references, in order. */
export function parseTemplate(template: string): TemplateSegment[] {
  const segments: TemplateSegment[] = [];
  let last = 0;
  for (const match of template.matchAll(variableReferencePattern)) {
    const index = match.index ?? 0;
    if (index > last) segments.push({ text: template.slice(last, index) });
    segments.push({ selector: (match[1] as string).split(".") });
    last = index + match[0].length;
  }
  if (last < template.length) segments.push({ text: template.slice(last) });
  return segments;
}

/** The selectors a template reads. */
export function selectorsIn(template: string): ValueSelector[] {
  return [...template.matchAll(variableReferencePattern)].map((match) => (match[1] as string).split("."));
}

/** A variable's text as Dify prints it into a template: strings as they are, the rest as JSON. */
export function textOf(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** Expands every `{{#…#}}` reference with the pool's values (missing ones become empty). */
export function renderTemplate(template: string, pool: VariablePool): string {
  if (!template.includes("{{#")) return template;
  return template.replace(variableReferencePattern, (_match, path: string) =>
    textOf(pool.get(path.split("."))),
  );
}
