import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { isPrivateAddress } from "@nexus/core";
import { BrowserError } from "./browser-error.ts";

/**
 * Where a workspace's browsers may go. Patterns are URL prefixes with `*` wildcards, matched
 * against the whole URL (`https://*.example.com/*`), or a bare host (`127.0.0.1`, `*.example.com`),
 * which matches any scheme and port on it.
 */
export interface UrlPolicy {
  /** When non-empty, only matching URLs are allowed. Private hosts and `file:` need a match here. */
  allow: string[];
  /** Refused even when allowed. */
  deny: string[];
}

/** A host's addresses; the request guard passes one that caches look-ups for a while. */
export type HostResolver = (host: string) => Promise<string[]>;

/**
 * Throws `url_blocked` unless the policy lets a browser open `url`: http(s) only (other schemes,
 * `file:` included, only when allow-listed), deny list first, then the allow list, and hosts that
 * are or resolve to loopback, private, link-local or unspecified addresses only when allow-listed.
 * A host that does not resolve is `navigation_failed` (unreachable), not a policy refusal.
 */
export async function assertUrlAllowed(
  url: string,
  policy: UrlPolicy,
  resolveHost: HostResolver = lookupAll,
): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BrowserError("url_blocked", `'${url}' is not a valid URL`, { param: "url" });
  }
  if (policy.deny.some((pattern) => matches(pattern, parsed))) {
    throw new BrowserError("url_blocked", `${parsed.href} is on the workspace's deny list`, { param: "url" });
  }
  const allowListed = policy.allow.some((pattern) => matches(pattern, parsed));
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    if (allowListed) return parsed;
    throw new BrowserError("url_blocked", `${parsed.protocol} URLs are not allowed unless allow-listed`, {
      param: "url",
    });
  }
  if (policy.allow.length > 0 && !allowListed) {
    throw new BrowserError("url_blocked", `${parsed.host} is not on the workspace's allow list`, {
      param: "url",
    });
  }
  if (allowListed) return parsed;
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : await resolve(host, parsed, resolveHost);
  const privateAddress = addresses.find(isPrivateAddress);
  if (privateAddress || host === "localhost") {
    throw new BrowserError(
      "url_blocked",
      `${parsed.host} is a private network address (${privateAddress ?? host}); allow-list it to browse it`,
      { param: "url" },
    );
  }
  return parsed;
}

/** Allowed without a DNS look-up (for URLs a page navigated to by itself, checked after each step). */
export function isUrlAllowedSync(url: string, policy: UrlPolicy): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.href === "about:blank") return true;
  if (policy.deny.some((pattern) => matches(pattern, parsed))) return false;
  const allowListed = policy.allow.some((pattern) => matches(pattern, parsed));
  if (allowListed) return true;
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return false;
  if (policy.allow.length > 0) return false;
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  return host !== "localhost" && !(isIP(host) && isPrivateAddress(host));
}

/** Every address the system resolver gives `host`. */
export async function lookupAll(host: string): Promise<string[]> {
  const results = await lookup(host, { all: true });
  return results.map((result) => result.address);
}

async function resolve(host: string, url: URL, resolveHost: HostResolver): Promise<string[]> {
  try {
    return await resolveHost(host);
  } catch {
    throw new BrowserError("navigation_failed", `${url.host} could not be resolved (unreachable URL)`, {
      param: "url",
    });
  }
}

/** Whether `url` matches one policy pattern (a URL prefix with `*`, or a bare host). */
export function matches(pattern: string, url: URL): boolean {
  const trimmed = pattern.trim();
  if (!trimmed) return false;
  if (isBareHost(trimmed)) return globMatch(trimmed, url.hostname);
  const withPath = /^[a-z]+:\/\/[^/]*$/i.test(trimmed) ? `${trimmed}/*` : trimmed;
  return globMatch(withPath, url.href) || globMatch(trimmed, url.href);
}

/** A pattern that names a host only (`example.com`, `*.example.com`, `127.0.0.1`, `[::1]`). */
export function isBareHost(pattern: string): boolean {
  return !pattern.includes("/") && (!pattern.includes(":") || /^\[[0-9a-f:.]+\]$/i.test(pattern));
}

export function globMatch(pattern: string, text: string): boolean {
  const expression = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${expression}$`, "i").test(text);
}
