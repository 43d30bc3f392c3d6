import { isIP } from "node:net";
import { isPrivateAddress } from "@nexus/core";
import { BrowserError } from "./browser-error.ts";
import {
  assertUrlAllowed,
  globMatch,
  type HostResolver,
  isBareHost,
  lookupAll,
  matches,
  type UrlPolicy,
} from "./url-policy.ts";

/**
 * The policy where a connection is made (the shared browser's proxy): the host is resolved once,
 * the addresses are checked, and the connection goes to one of those addresses and nowhere else,
 * so a DNS answer that changes between the check and the connect (rebinding) cannot reach a
 * private address.
 */
export async function admitUrl(url: URL, policy: UrlPolicy, resolveHost: HostResolver): Promise<string[]> {
  const addresses = await addressesOf(url.hostname, url.host, resolveHost);
  await assertUrlAllowed(url.href, policy, async () => addresses);
  return addresses;
}

/**
 * A tunnel (`CONNECT host:port`, which carries HTTPS and every WebSocket): only the host and port
 * are known, so the policy applies at that level. Allowed when an allow pattern names that origin
 * under any of http, https, ws or wss (or the allow list is empty); refused by deny patterns that
 * cover the whole host (a path-scoped deny pattern cannot be told apart inside a tunnel); private
 * addresses need an allow-listed host as everywhere.
 */
export async function admitTunnel(
  host: string,
  port: number,
  policy: UrlPolicy,
  resolveHost: HostResolver,
): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, "");
  const origins = ["https", "http", "wss", "ws"].map(
    (scheme) => new URL(`${scheme}://${hostForUrl(bare)}:${port}`),
  );
  const named = `${hostForUrl(bare)}:${port}`;
  const deniedHostWide = policy.deny.some(
    (pattern) => wholeHost(pattern) && origins.some((origin) => matchesOrigin(pattern, origin)),
  );
  if (deniedHostWide) throw new BrowserError("url_blocked", `${named} is on the workspace's deny list`);
  const allowListed = policy.allow.some((pattern) =>
    origins.some((origin) => matchesOrigin(pattern, origin)),
  );
  if (policy.allow.length > 0 && !allowListed) {
    throw new BrowserError("url_blocked", `${named} is not on the workspace's allow list`);
  }
  const addresses = await addressesOf(bare, named, resolveHost);
  if (allowListed) return addresses;
  const privateAddress = addresses.find(isPrivateAddress);
  if (privateAddress || bare === "localhost") {
    throw new BrowserError(
      "url_blocked",
      `${named} is a private network address (${privateAddress ?? bare}); allow-list it to reach it`,
    );
  }
  return addresses;
}

/** Look-ups reused for `ttlMs` (a page's hundred subresources on one host cost one). */
export function cachedResolver(ttlMs: number, resolve: HostResolver = lookupAll): HostResolver {
  const cache = new Map<string, { at: number; addresses: Promise<string[]> }>();
  return (host) => {
    const now = Date.now();
    const hit = cache.get(host);
    if (hit && now - hit.at < ttlMs) return hit.addresses;
    const addresses = resolve(host);
    cache.set(host, { at: now, addresses });
    addresses.catch(() => cache.delete(host));
    if (cache.size > 500) cache.delete(cache.keys().next().value as string);
    return addresses;
  };
}

async function addressesOf(hostname: string, named: string, resolveHost: HostResolver): Promise<string[]> {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) return [host];
  try {
    const addresses = await resolveHost(host);
    if (addresses.length > 0) return addresses;
  } catch {
    // Answered below.
  }
  throw new BrowserError("navigation_failed", `${named} could not be resolved (unreachable)`);
}

/** A pattern's origin part against an origin: a bare host by name, a URL pattern up to its path. */
function matchesOrigin(pattern: string, origin: URL): boolean {
  const trimmed = pattern.trim();
  if (isBareHost(trimmed)) return matches(trimmed, origin);
  const originPart = /^([a-z*]+:\/\/[^/]*)/i.exec(trimmed)?.[1];
  if (!originPart) return false;
  const text = origin.port
    ? `${origin.protocol}//${origin.hostname}:${origin.port}`
    : `${origin.protocol}//${origin.hostname}`;
  return globMatch(originPart, text) || globMatch(originPart, `${origin.protocol}//${origin.host}`);
}

/** A bare host, or a URL pattern with no path or `/*`: it covers everything on the host. */
function wholeHost(pattern: string): boolean {
  const trimmed = pattern.trim();
  if (isBareHost(trimmed)) return true;
  const path = /^[a-z*]+:\/\/[^/]*(.*)$/i.exec(trimmed)?.[1] ?? "";
  return path === "" || path === "/" || path === "/*" || path === "*";
}

const hostForUrl = (host: string) => (isIP(host) === 6 ? `[${host}]` : host);
