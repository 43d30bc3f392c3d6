export { type BudgetPeriod, budgetPeriod } from "./budget-period.ts";
export { type BudgetScope, readBudgetSpend } from "./budget-spend.ts";
export { type Charge, type LimitCounters, minuteMs } from "./limit-counters.ts";
export { type Admission, createLimiter, type Limiter, type LimiterOptions } from "./limiter.ts";
export {
  createLimitsStore,
  type LimitRule,
  type LimitsStore,
  type LimitsStoreOptions,
  limitsChangedTopic,
  type WorkspaceRules,
} from "./limits-store.ts";
export { createMemoryLimitCounters } from "./memory-limit-counters.ts";
export { createRedisLimitCounters } from "./redis-limit-counters.ts";
export { estimatePromptTokens } from "./token-estimate.ts";
