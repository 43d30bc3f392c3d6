/** What the model cost during a run: calls, tokens and time spent waiting on it. */
export interface ModelUsage {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /** Milliseconds spent in model calls. */
  modelMs: number;
}

export const emptyUsage = (): ModelUsage => ({ calls: 0, promptTokens: 0, completionTokens: 0, modelMs: 0 });

/** `after - before`, field by field: the usage of what ran between two readings. */
export function usageSince(before: ModelUsage, after: ModelUsage): ModelUsage {
  return {
    calls: after.calls - before.calls,
    promptTokens: after.promptTokens - before.promptTokens,
    completionTokens: after.completionTokens - before.completionTokens,
    modelMs: after.modelMs - before.modelMs,
  };
}

export function addUsage(total: ModelUsage, part: ModelUsage): ModelUsage {
  return {
    calls: total.calls + part.calls,
    promptTokens: total.promptTokens + part.promptTokens,
    completionTokens: total.completionTokens + part.completionTokens,
    modelMs: total.modelMs + part.modelMs,
  };
}
