export { type CacheDirective, cacheDirectiveHeader, parseCacheDirective } from "./cache-directive.ts";
export { requestCacheKey, semanticPromptText, semanticScopeKey } from "./cache-key.ts";
export {
  type CacheHit,
  createResponseCache,
  type ResponseCache,
  type ResponseCacheOptions,
} from "./response-cache.ts";
export {
  accumulateStream,
  createStreamAccumulator,
  replayAsStream,
  type StreamAccumulator,
} from "./stream-accumulator.ts";
