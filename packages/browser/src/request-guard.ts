import type { Stagehand } from "@browserbasehq/stagehand";
import { BrowserError } from "./browser-error.ts";
import { cachedResolver } from "./connection-policy.ts";
import { assertUrlAllowed, type UrlPolicy } from "./url-policy.ts";

/** A CDP session as Stagehand hands it to its request handler. */
interface CdpSessionLike {
  send(method: string, params?: object): Promise<unknown>;
}

interface PausedRequest {
  requestId: string;
  request: { url: string };
  /** A top-level frame's id is its target's id. */
  frameId?: string;
  resourceType?: string;
}

interface TargetInfo {
  targetId: string;
  type: string;
  url?: string;
  openerId?: string;
  openerFrameId?: string;
}

/**
 * The two hooks of Stagehand 3.7's context that its domain policy runs through. Stagehand enables
 * CDP `Fetch` on every page and iframe session while the target is still paused at start (so a
 * popup's or an out-of-process iframe's first request is caught too) and calls these methods for
 * each paused request and each new popup. Its own policy is host-only; ours (URL patterns, private
 * ranges after DNS) replaces the two methods on this one context. Pinned version: if they go away
 * the session refuses to open rather than browse unguarded.
 */
interface DomainPolicyHooks {
  handleDomainPolicyRequestPaused(session: CdpSessionLike, event: PausedRequest): Promise<void>;
  closePopupIfBlockedByDomainPolicy(info: TargetInfo, source: string): Promise<boolean>;
  conn: CdpSessionLike;
  setDomainPolicy(policy: { allowedDomains: string[] }): Promise<void>;
}

export interface RequestGuardOptions {
  /** The workspace's policy now (read on every request: a settings change applies at once). */
  policy(): UrlPolicy;
  /** Told of every request or popup refused, for the operation's error message. */
  onBlocked(url: string): void;
  /** How long a host's DNS answer is reused; default 30 s. */
  dnsCacheMs?: number;
}

/**
 * Holds every request the browser makes to the workspace's URL policy, not only navigations:
 * subresources (fetch/XHR, images, scripts), iframes, redirects and popups. A refused request
 * fails with `net::ERR_BLOCKED_BY_CLIENT`; a popup whose page is refused is closed.
 *
 * What CDP Fetch cannot see is covered by the shared Chromium (shared-chromium/): WebSockets and
 * worker traffic by each context's proxy (which also pins every connection to the address it
 * checked, against DNS rebinding), service workers by refusing their script browser-wide. A remote
 * Chrome attached over CDP (`cdpUrl`) has only this guard: its WebSockets, service workers and DNS
 * are its own.
 */
export async function installRequestGuard(stagehand: Stagehand, options: RequestGuardOptions): Promise<void> {
  const context = stagehand.context as unknown as DomainPolicyHooks;
  if (
    typeof context.handleDomainPolicyRequestPaused !== "function" ||
    typeof context.closePopupIfBlockedByDomainPolicy !== "function"
  ) {
    throw new BrowserError(
      "browser_unavailable",
      "This Stagehand version offers no request interception hook; the URL policy cannot be enforced",
    );
  }
  const resolveHost = cachedResolver(options.dnsCacheMs ?? 30_000);

  context.handleDomainPolicyRequestPaused = async (session, event) => {
    const url = event.request.url;
    const allowed = await assertUrlAllowed(url, options.policy(), resolveHost).then(
      () => true,
      () => false,
    );
    if (allowed) {
      await session.send("Fetch.continueRequest", { requestId: event.requestId }).catch(() => {});
      return;
    }
    options.onBlocked(url);
    await session
      .send("Fetch.failRequest", { requestId: event.requestId, errorReason: "BlockedByClient" })
      .catch(() => {});
    if (event.resourceType === "Document" && event.frameId) await closeIfPopup(event.frameId);
  };

  /** A popup whose page was refused is closed, so the next operation does not land on its error page. */
  async function closeIfPopup(frameId: string): Promise<void> {
    const info = (await context.conn
      .send("Target.getTargetInfo", { targetId: frameId })
      .catch(() => undefined)) as { targetInfo?: TargetInfo } | undefined;
    const target = info?.targetInfo;
    if (!target || target.type !== "page" || !(target.openerId || target.openerFrameId)) return;
    await context.conn.send("Target.closeTarget", { targetId: target.targetId }).catch(() => {});
  }

  // Stagehand's own early popup check is host-only; the popup's first request reaches the handler
  // above anyway (Fetch is on before the popup runs), which refuses it and closes the popup.
  context.closePopupIfBlockedByDomainPolicy = async () => false;

  // Any allow list turns Stagehand's interception on for every http(s) request; which host it
  // names does not matter, since the handler above decides.
  await stagehand.context.setDomainPolicy({ allowedDomains: ["policy.nexus.invalid"] });
}
