import { renderTemplate } from "../engine/template-selectors.ts";
import type { VariablePool } from "../engine/variable-pool.ts";
import type { ComparisonOperator } from "./comparison-operators.ts";
import { selectorOf } from "./node-definition.ts";

/** One Dify condition (if-else cases, loop break conditions). */
export interface Condition {
  variable_selector?: string[];
  comparison_operator: ComparisonOperator;
  value?: unknown;
  varType?: string;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value).length === 0;
  return false;
}

function expectedOf(condition: Condition, pool: VariablePool): unknown {
  const { value } = condition;
  if (typeof value === "string") return renderTemplate(value, pool);
  return value;
}

function asNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  return Number(value);
}

function listOf(expected: unknown): unknown[] {
  if (Array.isArray(expected)) return expected;
  if (typeof expected === "string") {
    try {
      const parsed = JSON.parse(expected) as unknown;
      if (Array.isArray(parsed)) return parsed;
    } catch {}
    return expected.split(",").map((item) => item.trim());
  }
  return [expected];
}

/**
 * Evaluates one condition against the pool. The switch covers every `comparisonOperators` entry
 * (the compiler checks it); an operator outside them is refused at import, and throws here only
 * for data that skipped the checks.
 */
export function evaluateCondition(condition: Condition, pool: VariablePool): boolean {
  const selector = selectorOf(condition.variable_selector);
  const actual = selector ? pool.get(selector) : undefined;
  const operator = condition.comparison_operator;
  const expected = expectedOf(condition, pool);
  const text = typeof actual === "string" ? actual : Array.isArray(actual) ? actual : String(actual ?? "");
  switch (operator) {
    case "contains":
      return Array.isArray(actual)
        ? actual.some((item) => item === expected || String(item) === String(expected))
        : String(text).includes(String(expected ?? ""));
    case "not contains":
      return !evaluateCondition({ ...condition, comparison_operator: "contains" }, pool);
    case "start with":
      return typeof actual === "string" && actual.startsWith(String(expected ?? ""));
    case "end with":
      return typeof actual === "string" && actual.endsWith(String(expected ?? ""));
    case "is":
      return typeof actual === "boolean"
        ? String(actual) === String(expected)
        : String(actual ?? "") === String(expected ?? "");
    case "is not":
      return !evaluateCondition({ ...condition, comparison_operator: "is" }, pool);
    case "empty":
      return isEmpty(actual);
    case "not empty":
      return !isEmpty(actual);
    case "in":
      return listOf(expected).some((item) => String(item) === String(actual));
    case "not in":
      return !listOf(expected).some((item) => String(item) === String(actual));
    case "all of": {
      const have = Array.isArray(actual) ? actual.map(String) : [];
      return listOf(expected).every((item) => have.includes(String(item)));
    }
    case "=":
      return actual !== undefined && actual !== null && asNumber(actual) === asNumber(expected);
    case "≠":
      return actual === undefined || actual === null || asNumber(actual) !== asNumber(expected);
    case ">":
      return actual !== undefined && actual !== null && asNumber(actual) > asNumber(expected);
    case "<":
      return actual !== undefined && actual !== null && asNumber(actual) < asNumber(expected);
    case "≥":
    case ">=":
      return actual !== undefined && actual !== null && asNumber(actual) >= asNumber(expected);
    case "≤":
    case "<=":
      return actual !== undefined && actual !== null && asNumber(actual) <= asNumber(expected);
    case "null":
      return actual === undefined || actual === null;
    case "not null":
      return actual !== undefined && actual !== null;
    case "exists":
      return actual !== undefined && actual !== null;
    case "not exists":
      return actual === undefined || actual === null;
    default: {
      const unknown: never = operator;
      throw new Error(`Unknown comparison operator '${String(unknown)}'`);
    }
  }
}

/** All (`and`) or any (`or`) of the conditions hold. An empty list holds. */
export function evaluateConditions(
  conditions: Condition[],
  logicalOperator: unknown,
  pool: VariablePool,
): boolean {
  if (conditions.length === 0) return true;
  return logicalOperator === "or"
    ? conditions.some((condition) => evaluateCondition(condition, pool))
    : conditions.every((condition) => evaluateCondition(condition, pool));
}
