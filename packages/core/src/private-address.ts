import { BlockList, isIP } from "node:net";

/**
 * Addresses no server-side fetch may reach unless a user allow-lists them: this host, private
 * networks, link-local (cloud metadata at 169.254.169.254), CGNAT, multicast, reserved and
 * documentation ranges, IPv6 unspecified/loopback/discard/ULA/link-local/site-local/multicast.
 */
const ranges: Array<[string, number, "ipv4" | "ipv6"]> = [
  ["0.0.0.0", 8, "ipv4"],
  ["10.0.0.0", 8, "ipv4"],
  ["100.64.0.0", 10, "ipv4"],
  ["127.0.0.0", 8, "ipv4"],
  ["169.254.0.0", 16, "ipv4"],
  ["172.16.0.0", 12, "ipv4"],
  ["192.0.0.0", 24, "ipv4"],
  ["192.0.2.0", 24, "ipv4"],
  ["192.88.99.0", 24, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["198.18.0.0", 15, "ipv4"],
  ["198.51.100.0", 24, "ipv4"],
  ["203.0.113.0", 24, "ipv4"],
  ["224.0.0.0", 3, "ipv4"],
  ["::", 127, "ipv6"],
  ["100::", 64, "ipv6"],
  ["2001:db8::", 32, "ipv6"],
  ["fc00::", 7, "ipv6"],
  ["fe80::", 10, "ipv6"],
  ["fec0::", 10, "ipv6"],
  ["ff00::", 8, "ipv6"],
];
const privateRanges = new BlockList();
for (const [network, prefix, family] of ranges) privateRanges.addSubnet(network, prefix, family);

/**
 * The one check every guard against server-side request forgery uses (chat fetch_page, knowledge
 * URL import, workflow http-request, browser automation). IPv4-mapped, IPv4-compatible and NAT64
 * IPv6 forms are judged by the IPv4 address they carry; anything that is not an IP address counts
 * as private (callers resolve names first).
 */
export function isPrivateAddress(address: string): boolean {
  const unbracketed = address.replace(/^\[|\]$/g, "");
  const family = isIP(unbracketed);
  if (family === 4) return privateRanges.check(unbracketed, "ipv4");
  if (family !== 6) return true;
  const embedded = embeddedIPv4(unbracketed);
  if (embedded !== null && privateRanges.check(embedded, "ipv4")) return true;
  return privateRanges.check(unbracketed, "ipv6");
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), compatible (::a.b.c.d) or NAT64 (64:ff9b::) IPv6 address. */
export function embeddedIPv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = lower.match(/^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) return dotted[1] as string;
  const hex = lower.match(/^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/);
  if (!hex) return null;
  const high = Number.parseInt(hex[1] as string, 16);
  const low = Number.parseInt(hex[2] as string, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}
