/**
 * The operators of Dify conditions (if-else cases, loop break conditions, list-operator filters),
 * by their DSL spelling. `evaluateCondition` switches over exactly these and the node data schemas
 * build their enums from them, so what import accepts and what a run implements cannot drift.
 * Zod-free and node-free: the web editor's checks import it too.
 */
export const comparisonOperators = [
  "contains",
  "not contains",
  "start with",
  "end with",
  "is",
  "is not",
  "empty",
  "not empty",
  "in",
  "not in",
  "all of",
  "=",
  "≠",
  ">",
  "<",
  "≥",
  "≤",
  // ASCII spellings older Dify exports (and hand-written DSLs) use for ≥ and ≤.
  ">=",
  "<=",
  "null",
  "not null",
  "exists",
  "not exists",
] as const;

export type ComparisonOperator = (typeof comparisonOperators)[number];

/** How a case's conditions combine: all of them (`and`) or any (`or`). */
export const logicalOperators = ["and", "or"] as const;

export type LogicalOperator = (typeof logicalOperators)[number];
