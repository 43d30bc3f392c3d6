export * from "./api-keys.ts";
export * from "./web-sessions.ts";
export * from "./workspaces.ts";
