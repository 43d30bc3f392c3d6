import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import { embeddedIPv4, isPrivateAddress } from "@nexus/core";
import { HttpRequestError } from "./http-request-error.ts";

/** Allow-list entries: host names (exact, any case), IP addresses, or CIDR ranges like 10.1.0.0/16. */
export class HostPolicy {
  private readonly names = new Set<string>();
  private readonly addresses = new BlockList();
  /** Identifies the allow-list, so connections are pooled per policy. */
  readonly key: string;

  constructor(allowedHosts: readonly string[] = []) {
    this.key = [...allowedHosts]
      .map((host) => host.trim().toLowerCase())
      .sort()
      .join(",");
    for (const entry of allowedHosts) {
      const text = entry
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, "");
      if (text === "") continue;
      const [address, prefix] = text.split("/");
      const family = isIP(address ?? "");
      if (family && address) {
        const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
        this.addresses.addSubnet(address, bits, family === 4 ? "ipv4" : "ipv6");
      } else {
        this.names.add(text);
      }
    }
  }

  allowsName(hostname: string): boolean {
    return this.names.has(hostname.toLowerCase());
  }

  /** Why `address` may not be reached, or null when it may. */
  refusal(address: string): string | null {
    const family = isIP(address);
    if (family === 0) return `'${address}' is not an IP address`;
    const type = family === 4 ? "ipv4" : "ipv6";
    if (this.addresses.check(address, type)) return null;
    const embedded = family === 6 ? embeddedIPv4(address) : null;
    if (embedded && this.addresses.check(embedded, "ipv4")) return null;
    if (isPrivateAddress(address)) {
      return `${address} is a private, loopback, link-local or reserved address`;
    }
    return null;
  }
}

/**
 * A `lookup` for http.request: resolves the host, refuses the connection if any address is
 * blocked, and hands the socket only checked addresses (so a second DNS answer cannot swap in
 * a private one between check and connect).
 */
export function guardedLookup(policy: HostPolicy) {
  return (
    hostname: string,
    options: { family?: number | string; all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { all: true, family: Number(options.family) || 0 }, (error, addresses) => {
      if (error) {
        callback(
          new HttpRequestError(
            "connection",
            `could not resolve '${hostname}': ${error.code ?? error.message}`,
          ),
          [],
        );
        return;
      }
      if (!policy.allowsName(hostname)) {
        for (const { address } of addresses) {
          const refusal = policy.refusal(address);
          if (refusal) {
            callback(
              new HttpRequestError(
                "blocked",
                `request to '${hostname}' blocked: ${refusal} (allow-list the host to reach it)`,
              ),
              [],
            );
            return;
          }
        }
      }
      if (options.all) callback(null, addresses);
      else {
        const first = addresses[0] as LookupAddress;
        callback(null, first.address, first.family);
      }
    });
  };
}

/** Checks a URL's host before connecting: IP literals never reach `lookup`. */
export function checkLiteralHost(hostname: string, policy: HostPolicy): void {
  const bare = hostname.replace(/^\[|\]$/g, "");
  if (policy.allowsName(bare) || isIP(bare) === 0) return;
  const refusal = policy.refusal(bare);
  if (refusal) {
    throw new HttpRequestError(
      "blocked",
      `request to '${hostname}' blocked: ${refusal} (allow-list the host to reach it)`,
    );
  }
}
