import { NexusError } from "@nexus/core";
import nunjucks from "nunjucks";
import { jinjaFilters, setBuiltinFilterLookup } from "./jinja-filters.ts";
import { dictMembers, isDict } from "./python-dict-members.ts";
import { stringMembers } from "./python-members.ts";
import { pythonStr } from "./python-repr.ts";
import {
  arithmeticGlobal,
  installPythonStatements,
  type NunjucksStatementParts,
  pythonArithmetic,
} from "./python-statements.ts";
import {
  installPythonTruthiness,
  type NunjucksCompilerParts,
  pythonTruthy,
  truthinessGlobal,
} from "./python-truthiness.ts";
import { assignOnNamespace, createNamespace, isUnsafeName } from "./template-safety.ts";

/** A template that does not parse, fails while rendering, or runs past its limits. */
export class TemplateRenderError extends NexusError {
  constructor(message: string) {
    super("unprocessable_entity", message);
    this.name = "TemplateRenderError";
  }
}

export interface RenderJinjaLimits {
  /** Rendering time before it is stopped (it runs on the event loop). Default 1 s. */
  timeoutMs?: number;
  /** Characters of output. Default 1,000,000. */
  maxOutputChars?: number;
}

const defaultTimeoutMs = 1000;
const defaultMaxOutputChars = 1_000_000;
/** Jinja's SandboxedEnvironment caps range() at the same size. */
const maxRange = 100_000;
const cacheSize = 500;

interface RenderBudget {
  deadline: number;
  outputLeft: number;
  steps: number;
  exceeded: string | null;
}

interface NunjucksInternals {
  runtime: {
    suppressValue: (value: unknown, autoescape: boolean) => unknown;
    memberLookup: (object: unknown, key: unknown, ...rest: unknown[]) => unknown;
    contextOrFrameLookup: (context: unknown, frame: unknown, name: string) => unknown;
    nexusAssign?: typeof assignOnNamespace;
    Frame: { prototype: { set: (this: unknown, name: string, value: unknown, resolveUp?: boolean) => void } };
  };
}

let budget: RenderBudget | null = null;
const compiled = new Map<string, nunjucks.Template>();
let environment: nunjucks.Environment | null = null;

/**
 * Renders a Jinja2 template the way Dify's template-transform node does: plain text (no
 * autoescape), Python's printing of values (`True`, `None`, `['a']`), Python string and dict
 * methods, Jinja's filters (join, length, upper, map, selectattr, tojson, ...), `loop.index`,
 * and one trailing newline dropped. Stops templates that run past the time or output limit.
 *
 * @example
 * renderJinja("{% for n in names %}{{ loop.index }}. {{ n | upper }}\n{% endfor %}", { names: ["a", "b"] });
 * // → "1. A\n2. B\n"
 */
export function renderJinja(
  template: string,
  variables: Record<string, unknown>,
  limits: RenderJinjaLimits = {},
): string {
  const compiledTemplate = compile(template);
  const active: RenderBudget = {
    deadline: Date.now() + (limits.timeoutMs ?? defaultTimeoutMs),
    outputLeft: limits.maxOutputChars ?? defaultMaxOutputChars,
    steps: 0,
    exceeded: null,
  };
  const outer = budget;
  budget = active;
  try {
    return compiledTemplate.render(variables);
  } catch (error) {
    if (active.exceeded) throw new TemplateRenderError(active.exceeded);
    throw new TemplateRenderError(`template error: ${cleanMessage(error)}`);
  } finally {
    budget = outer;
  }
}

function compile(template: string): nunjucks.Template {
  const cached = compiled.get(template);
  if (cached) return cached;
  // Jinja's default keep_trailing_newline=False drops one newline at the end of the source.
  const source = template.replace(/\r?\n$/, "");
  let result: nunjucks.Template;
  try {
    result = new nunjucks.Template(source, nunjucksEnvironment(), undefined, true);
  } catch (error) {
    throw new TemplateRenderError(`template syntax error: ${cleanMessage(error)}`);
  }
  if (compiled.size >= cacheSize) compiled.delete(compiled.keys().next().value as string);
  compiled.set(template, result);
  return result;
}

function nunjucksEnvironment(): nunjucks.Environment {
  environment ??= createEnvironment();
  return environment;
}

function cleanMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const position = text.match(/\[Line (\d+), Column (\d+)\]/);
  const reason = text
    .replace(/^\(unknown path\)\s*/, "")
    .replace(/\[Line \d+, Column \d+\]/, "")
    .replace(/\s*\n\s*/g, " ")
    .replace(/(^|\s)(Template render error: |Error: )/g, "$1")
    .trim();
  return position ? `${reason} (line ${position[1]}, column ${position[2]})` : reason;
}

function createEnvironment(): nunjucks.Environment {
  nunjucks.installJinjaCompat();
  installPythonSemantics(nunjucks as unknown as NunjucksInternals);
  installPythonTruthiness(nunjucks as unknown as NunjucksCompilerParts);
  installPythonStatements(nunjucks as unknown as NunjucksStatementParts);
  const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
  for (const [name, filter] of Object.entries(jinjaFilters)) env.addFilter(name, filter);
  setBuiltinFilterLookup((name) => env.getFilter(name) as (value: unknown, ...args: unknown[]) => unknown);
  env.addGlobal("range", cappedRange);
  env.addGlobal(truthinessGlobal, pythonTruthy);
  env.addGlobal(arithmeticGlobal, pythonArithmetic);
  env.addGlobal("namespace", createNamespace);
  // @types/nunjucks lacks addTest, which nunjucks has.
  const withTests = env as unknown as { addTest(name: string, test: (value: unknown) => boolean): void };
  for (const [name, test] of Object.entries(jinjaTests)) withTests.addTest(name, test);
  return env;
}

/** Jinja tests nunjucks lacks. */
const jinjaTests: Record<string, (value: unknown) => boolean> = {
  sequence: (value) => Array.isArray(value) || typeof value === "string",
  mapping: (value) => value !== null && typeof value === "object" && !Array.isArray(value),
  boolean: (value) => typeof value === "boolean",
  integer: (value) => Number.isInteger(value),
  float: (value) => typeof value === "number" && !Number.isInteger(value),
};

function installPythonSemantics({ runtime }: NunjucksInternals): void {
  runtime.suppressValue = (value) => {
    const text = pythonStr(value);
    if (budget) {
      budget.outputLeft -= text.length;
      if (budget.outputLeft < 0) {
        budget.exceeded = "the template's output is larger than its limit";
        throw new Error(budget.exceeded);
      }
    }
    return text;
  };
  const lookup = runtime.memberLookup;
  runtime.memberLookup = function memberLookup(object: unknown, key: unknown, ...rest: unknown[]) {
    if (isUnsafeName(key)) return undefined;
    if (
      isDict(object) &&
      typeof key === "string" &&
      Object.hasOwn(dictMembers, key) &&
      !Object.hasOwn(object, key)
    ) {
      return (dictMembers[key] as (...args: unknown[]) => unknown).bind(object);
    }
    if (typeof object === "string" && typeof key === "string" && Object.hasOwn(stringMembers, key)) {
      return (stringMembers[key] as (...args: unknown[]) => unknown).bind(object);
    }
    if (Array.isArray(object) && typeof key === "number" && key < 0 && rest.length === 0) {
      return object[object.length + key];
    }
    return lookup.call(this, object, key, ...rest);
  };
  const contextLookup = runtime.contextOrFrameLookup;
  runtime.contextOrFrameLookup = function contextOrFrameLookup(context, frame, name) {
    return isUnsafeName(name) ? undefined : contextLookup.call(this, context, frame, name);
  };
  runtime.nexusAssign = assignOnNamespace;
  // Every loop iteration sets loop.index on its frame: the one place to check the clock.
  const setOnFrame = runtime.Frame.prototype.set;
  runtime.Frame.prototype.set = function set(name, value, resolveUp) {
    if (budget && ++budget.steps % 256 === 0 && Date.now() > budget.deadline) {
      budget.exceeded = "the template ran longer than its time limit";
      throw new Error(budget.exceeded);
    }
    setOnFrame.call(this, name, value, resolveUp);
  };
}

function cappedRange(start: number, stop?: number, step = 1): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0) throw new Error("range() step must not be zero");
  const length = Math.max(0, Math.ceil((to - from) / step));
  if (length > maxRange) throw new Error(`range() of ${length} items is more than the limit of ${maxRange}`);
  return Array.from({ length }, (_item, index) => from + index * step);
}
