export * from "./gateway.ts";
export * from "./protocol/openai-chat.ts";
export { readServerSentEvents } from "./protocol/server-sent-events.ts";
export * from "./providers/local-provider.ts";
export type * from "./providers/model-provider.ts";
export * from "./providers/openai-compatible-provider.ts";
export * from "./providers/provider-error.ts";
export type { UpstreamTimeouts } from "./providers/upstream-call.ts";
