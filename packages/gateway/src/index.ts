export * from "./protocol/openai-chat.ts";
export type * from "./providers/model-provider.ts";
export * from "./providers/provider-error.ts";
