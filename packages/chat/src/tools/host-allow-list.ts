import { isPrivateAddress } from "@nexus/core";

export { isPrivateAddress };

/**
 * Which hosts `fetch_page` may read. Entries: `example.com` (any port), `example.com:8080`,
 * `*.example.com` (the domain and its subdomains) or `*` (any host). Wildcards never reach a
 * private address (loopback, LAN, link-local, cloud metadata): only a host named exactly does,
 * so an allow-list of `*` cannot be turned against the server's own network.
 */
export interface HostPermission {
  allowed: boolean;
  /** The host is named exactly, so private addresses are allowed for it. */
  named: boolean;
}

export function hostPermission(allowList: readonly string[], url: URL): HostPermission {
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  let allowed = false;
  for (const raw of allowList) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") {
      allowed = true;
      continue;
    }
    if (entry.startsWith("*.")) {
      const domain = entry.slice(2);
      if (host === domain || host.endsWith(`.${domain}`)) allowed = true;
      continue;
    }
    const { entryHost, entryPort } = splitEntry(entry);
    if (entryHost === host && (entryPort === undefined || entryPort === port)) {
      return { allowed: true, named: true };
    }
  }
  return { allowed, named: false };
}

function splitEntry(entry: string): { entryHost: string; entryPort?: string } {
  // `[::1]:8080`, `[::1]`, `host:8080`, `host`.
  const bracketed = /^(\[[^\]]+\])(?::(\d+))?$/.exec(entry);
  if (bracketed) return { entryHost: bracketed[1] as string, entryPort: bracketed[2] };
  const withPort = /^([^:]+):(\d+)$/.exec(entry);
  if (withPort) return { entryHost: withPort[1] as string, entryPort: withPort[2] };
  return { entryHost: entry };
}
