import type { Migration } from "kysely";
import * as workspacesAndKeys from "./0001-workspaces-and-keys.ts";
import * as jobs from "./0002-jobs.ts";
import * as gatewayConfig from "./0003-gateway-config.ts";
import * as gatewayUsageAndLimits from "./0004-gateway-usage-and-limits.ts";
import * as gatewayCache from "./0005-gateway-cache.ts";
import * as chat from "./0006-chat.ts";
import * as chatSearch from "./0007-chat-search.ts";
import * as chatSiteTokens from "./0008-chat-site-tokens.ts";
import * as workflows from "./0009-workflows.ts";
import * as knowledge from "./0010-knowledge.ts";
import * as browser from "./0011-browser.ts";
import * as workflowResume from "./0012-workflow-resume.ts";
import * as knowledgeWatches from "./0013-knowledge-watches.ts";
import * as mcpServers from "./0014-mcp-servers.ts";
import * as browserScaleOut from "./0015-browser-scale-out.ts";
import * as knowledgeIndexChanges from "./0016-knowledge-index-changes.ts";
import * as browserRunHeartbeat from "./0017-browser-run-heartbeat.ts";
import * as workflowApiTriggers from "./0018-workflow-api-triggers.ts";

/**
 * Every migration, in order. Adding one is a new file and one line here; never edit or
 * reorder a migration that has shipped.
 */
export const migrations: Record<string, Migration> = {
  "0001-workspaces-and-keys": workspacesAndKeys,
  "0002-jobs": jobs,
  "0003-gateway-config": gatewayConfig,
  "0004-gateway-usage-and-limits": gatewayUsageAndLimits,
  "0005-gateway-cache": gatewayCache,
  "0006-chat": chat,
  "0007-chat-search": chatSearch,
  "0008-chat-site-tokens": chatSiteTokens,
  "0009-workflows": workflows,
  "0010-knowledge": knowledge,
  "0011-browser": browser,
  "0012-workflow-resume": workflowResume,
  "0013-knowledge-watches": knowledgeWatches,
  "0014-mcp-servers": mcpServers,
  "0015-browser-scale-out": browserScaleOut,
  "0016-knowledge-index-changes": knowledgeIndexChanges,
  "0017-browser-run-heartbeat": browserRunHeartbeat,
  "0018-workflow-api-triggers": workflowApiTriggers,
};
