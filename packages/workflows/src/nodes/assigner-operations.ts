/**
 * What a variable-assigner can do to a variable, by Dify's DSL spelling. The assigner's
 * `applyOperation` switches over exactly these and the node data schema builds its enums from
 * them. Zod-free and node-free: the web editor imports it too.
 */
export const assignerOperations = [
  "over-write",
  "set",
  "clear",
  "append",
  "extend",
  "remove-first",
  "remove-last",
  "+=",
  "-=",
  "*=",
  "/=",
] as const;

export type AssignerOperation = (typeof assignerOperations)[number];

/** Version 1's `write_mode`: the three operations Dify's first assigner had. */
export const assignerWriteModes = [
  "over-write",
  "append",
  "clear",
] as const satisfies readonly AssignerOperation[];
