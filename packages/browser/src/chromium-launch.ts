import type { V3Options } from "@browserbasehq/stagehand";

/** Flags for headless Chromium in a server: no sandbox (containers), no GPU, nothing phoning home. */
export const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-default-apps",
  "--disable-domain-reliability",
  "--metrics-recording-only",
];

export interface LaunchSettings {
  /** The Chromium to start; ignored when `cdpUrl` attaches to a running one. */
  executablePath: string;
  /** The session's own profile directory (isolation: cookies, storage, cache). */
  userDataDir: string;
  downloadsDir: string;
  viewport: { width: number; height: number };
  /** A remote Chrome's DevTools URL (`ws://…` or `http://host:9222`) to attach to instead of launching. */
  cdpUrl?: string;
}

export type LocalLaunchOptions = NonNullable<V3Options["localBrowserLaunchOptions"]>;

export function localLaunchOptions(settings: LaunchSettings): LocalLaunchOptions {
  if (settings.cdpUrl) {
    return {
      cdpUrl: settings.cdpUrl,
      viewport: settings.viewport,
      downloadsPath: settings.downloadsDir,
      acceptDownloads: true,
    };
  }
  return {
    executablePath: settings.executablePath,
    headless: true,
    chromiumSandbox: false,
    args: chromiumFlags,
    userDataDir: settings.userDataDir,
    preserveUserDataDir: false,
    viewport: settings.viewport,
    downloadsPath: settings.downloadsDir,
    acceptDownloads: true,
    connectTimeoutMs: 20_000,
  };
}
