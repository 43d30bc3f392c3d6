import os from "node:os";
import path from "node:path";
import type { Config } from "@nexus/core";
import { CliError } from "../cli-error.ts";
import { withLocalStore } from "../local-store.ts";
import type { BrowseOperation } from "./browse-command.ts";
import { withLocalGateway } from "./local-gateway.ts";

/**
 * One browse operation without a server: the local store (policy, action cache), the local
 * gateway, one browser opened on the URL and closed after.
 */
export async function runBrowseLocally(
  config: Config,
  workspaceSlug: string | undefined,
  operation: BrowseOperation,
  body: Record<string, unknown>,
): Promise<unknown> {
  const { createBrowserService, BrowserError } = await import("@nexus/browser");
  const { NexusError } = await import("@nexus/core");
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  return withLocalStore(config, (store) =>
    withLocalGateway(config, workspaceSlug, async (gateway, workspaceId) => {
      const browser = createBrowserService({
        db: store.db,
        gateway,
        dataDir: path.join(config.dataDir ?? os.tmpdir()),
        defaultModel: process.env.NEXUS_BROWSER_MODEL || undefined,
        executablePath: process.env.NEXUS_BROWSER_CHROMIUM || "/usr/bin/chromium",
        maxSessions: 1,
      });
      const context = { workspaceId, apiKeyId: null, signal: controller.signal };
      try {
        const { url, model, ...input } = body as { url: string; model?: string } & Record<string, unknown>;
        const session = await browser.openSession(context, { url, model });
        const run = {
          act: () => browser.act(context, session.id, input as { instruction: string }),
          extract: () => browser.extract(context, session.id, input as { instruction: string }),
          observe: () => browser.observe(context, session.id, input as { instruction: string }),
          agent: () => browser.agent(context, session.id, input as { goal: string }),
        }[operation];
        return await run();
      } catch (error) {
        if (error instanceof BrowserError) throw new CliError(`${error.code}: ${error.message}`);
        if (error instanceof NexusError) throw new CliError(error.message);
        throw error;
      } finally {
        await browser.close();
      }
    }),
  );
}

export async function changeSettingsLocally(
  config: Config,
  workspaceSlug: string | undefined,
  options: Record<string, string | undefined>,
): Promise<unknown> {
  const { browserSettingsSchema, getBrowserSettings, updateBrowserSettings } = await import("@nexus/browser");
  const { defaultWorkspaceSlug, findWorkspaceBySlug } = await import("@nexus/core");
  const list = (value: string | undefined) =>
    value === undefined
      ? undefined
      : value
          .split(",")
          .map((item) => item.trim())
          .filter(Boolean);
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const parsed = browserSettingsSchema.safeParse({
    ...(options.allow !== undefined ? { allowUrls: list(options.allow) } : {}),
    ...(options.deny !== undefined ? { denyUrls: list(options.deny) } : {}),
    ...(options.maxSteps !== undefined ? { maxSteps: number(options.maxSteps) } : {}),
    ...(options.maxDurationMs !== undefined ? { maxDurationMs: number(options.maxDurationMs) } : {}),
  });
  if (!parsed.success)
    throw new CliError(
      `Invalid settings: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
      2,
    );
  return withLocalStore(config, async (store) => {
    const slug = workspaceSlug ?? defaultWorkspaceSlug;
    const workspace = await findWorkspaceBySlug(store.db, slug);
    if (!workspace) throw new CliError(`No workspace '${slug}' (see \`nexus workspaces list\`)`, 2);
    if (Object.keys(parsed.data).length === 0) return getBrowserSettings(store.db, workspace.id);
    return updateBrowserSettings(store.db, workspace.id, parsed.data);
  });
}
