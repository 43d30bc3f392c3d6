import { describe, expect, it } from "vitest";
import { embeddedIPv4, isPrivateAddress } from "./private-address.ts";

describe("isPrivateAddress", () => {
  it.each([
    ["127.0.0.1", true],
    ["10.1.2.3", true],
    ["100.64.0.1", true],
    ["169.254.169.254", true],
    ["172.31.255.255", true],
    ["192.168.0.1", true],
    ["192.0.2.10", true],
    ["198.51.100.1", true],
    ["203.0.113.7", true],
    ["224.0.0.1", true],
    ["255.255.255.255", true],
    ["::", true],
    ["::1", true],
    ["[::1]", true],
    ["fd12::1", true],
    ["fe80::1", true],
    ["fec0::1", true],
    ["ff02::1", true],
    ["2001:db8::1", true],
    ["100::1", true],
    ["::ffff:10.0.0.1", true],
    ["::ffff:a00:1", true],
    ["64:ff9b::7f00:1", true],
    ["::127.0.0.1", true],
    ["not-an-address", true],
    ["8.8.8.8", false],
    ["172.32.0.1", false],
    ["2606:4700::1111", false],
    ["::ffff:8.8.8.8", false],
    ["64:ff9b::808:808", false],
  ])("%s → %s", (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it("finds the IPv4 address inside mapped, compatible and NAT64 forms", () => {
    expect(embeddedIPv4("::ffff:c0a8:101")).toBe("192.168.1.1");
    expect(embeddedIPv4("64:ff9b::1.2.3.4")).toBe("1.2.3.4");
    expect(embeddedIPv4("2001:db8::1")).toBeNull();
  });
});
