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

/**
 * The shared browser's command line (see shared-chromium/): the flags above plus what
 * chrome-launcher and Stagehand add when they launch one (no extensions, no throttling of
 * background tabs, no dialogs), so pages behave as they did in a browser of their own.
 */
export const sharedChromiumFlags = [
  ...chromiumFlags,
  "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater,AutofillServerCommunication,PrivacySandboxSettings4,SitePerProcess",
  "--disable-extensions",
  "--disable-component-extensions-with-background-pages",
  "--disable-client-side-phishing-detection",
  "--mute-audio",
  "--no-default-browser-check",
  "--disable-backgrounding-occluded-windows",
  "--disable-renderer-backgrounding",
  "--disable-background-timer-throttling",
  "--disable-ipc-flooding-protection",
  "--password-store=basic",
  "--use-mock-keychain",
  "--disable-hang-monitor",
  "--disable-prompt-on-repost",
  "--disable-dev-shm-usage",
  "--window-size=1280,800",
  // WebRTC may use UDP only through the proxy (none): no peer connection around the URL policy.
  "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
  "about:blank",
];

export interface LaunchSettings {
  /**
   * The DevTools URL Stagehand connects to: a context of the service's shared Chromium, or a remote
   * Chrome (`ws://…` or `http://host:9222`).
   */
  cdpUrl: string;
  downloadsDir: string;
  viewport: { width: number; height: number };
}

export type LocalLaunchOptions = NonNullable<V3Options["localBrowserLaunchOptions"]>;

/** Stagehand attaches (it never launches a browser itself): downloads go to the session's folder. */
export function localLaunchOptions(settings: LaunchSettings): LocalLaunchOptions {
  return {
    cdpUrl: settings.cdpUrl,
    viewport: settings.viewport,
    downloadsPath: settings.downloadsDir,
    acceptDownloads: true,
  };
}
