export { type GatewayMetrics, gatewayMetrics } from "./usage-metrics.ts";
export {
  listUsage,
  type Percentiles,
  queryUsage,
  type UsageEntry,
  type UsageGroupBy,
  type UsageRange,
  type UsageSummary,
  type UsageTotals,
  usageGroupings,
} from "./usage-query.ts";
export {
  type CacheOutcome,
  cacheOutcomes,
  type UsageEndpoint,
  type UsageRecord,
  usageCost,
  usageEndpoints,
} from "./usage-record.ts";
export { createUsageRecorder, type UsageRecorder, type UsageRecorderOptions } from "./usage-recorder.ts";
