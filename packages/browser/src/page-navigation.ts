import { BrowserError } from "./browser-error.ts";
import type { BrowserSession } from "./browser-session.ts";
import { assertUrlAllowed, type UrlPolicy } from "./url-policy.ts";

/**
 * Opens `url` in the session's page under the policy: refused URLs never load (nor do redirects
 * to them, which the request guard fails), a page that does not load in time is stopped
 * (`timeout`), an unreachable one (Chromium's error page) is `navigation_failed`.
 */
export async function navigate(
  session: BrowserSession,
  url: string,
  policy: UrlPolicy,
  timeoutMs: number,
): Promise<void> {
  await assertUrlAllowed(url, policy);
  const page = session.page();
  let timer: NodeJS.Timeout | undefined;
  // CDP's Page.navigate itself waits for the server's first byte, past Stagehand's own timeout.
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("navigation timed out")), timeoutMs);
  });
  try {
    await Promise.race([page.goto(url, { waitUntil: "load", timeoutMs }), expired]);
  } catch (error) {
    await page.sendCDP("Page.stopLoading").catch(() => {});
    const refusal = refusedNavigation(session, url);
    if (refusal) throw refusal;
    const message = (error as Error).message ?? String(error);
    if (/timeout|timed out/i.test(message)) {
      throw new BrowserError("timeout", `${url} did not load within ${timeoutMs} ms`, { cause: error });
    }
    throw new BrowserError("navigation_failed", `${url} could not be opened: ${message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  // Stagehand's url() can keep the requested URL when Chromium commits its error page before
  // Page.navigate answers; the document itself says where the page landed.
  const landed = await page.evaluate<string>("location.href").catch(() => page.url());
  if (landed.startsWith("chrome-error:")) {
    const refusal = refusedNavigation(session, url);
    if (refusal) throw refusal;
    throw new BrowserError(
      "navigation_failed",
      `${url} could not be reached (connection failed or host unknown)`,
    );
  }
}

/** `url_blocked` when the request guard refused a request of this navigation (a redirect's target). */
export function refusedNavigation(session: BrowserSession, url: string): BrowserError | undefined {
  const refused = session.takeBlocked().at(-1);
  if (!refused) return undefined;
  return new BrowserError(
    "url_blocked",
    `${url} led to ${refused}, which the workspace's URL policy refuses`,
    { param: "url" },
  );
}
