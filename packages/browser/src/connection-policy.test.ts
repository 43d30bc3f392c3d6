import { describe, expect, it } from "vitest";
import { admitTunnel, admitUrl } from "./connection-policy.ts";

const resolver = async (host: string) => {
  if (host === "intranet.example.com") return ["10.0.0.7"];
  if (host === "split.example.com") return ["93.184.215.14", "192.168.1.9"];
  if (host.endsWith(".example.com") || host === "example.com") return ["93.184.215.14"];
  throw new Error("NXDOMAIN");
};
const open = { allow: [], deny: [] };

describe("the policy where connections are made", () => {
  it("gives back the addresses it checked, for the connection to use and nothing else", async () => {
    await expect(admitUrl(new URL("http://www.example.com/a"), open, resolver)).resolves.toEqual([
      "93.184.215.14",
    ]);
    await expect(admitTunnel("www.example.com", 443, open, resolver)).resolves.toEqual(["93.184.215.14"]);
    // One private address among the answers is enough to refuse.
    await expect(admitTunnel("split.example.com", 443, open, resolver)).rejects.toMatchObject({
      code: "url_blocked",
    });
    await expect(admitUrl(new URL("http://intranet.example.com/"), open, resolver)).rejects.toThrow(
      /10\.0\.0\.7/,
    );
    await expect(admitTunnel("nowhere.invalid", 443, open, resolver)).rejects.toMatchObject({
      code: "navigation_failed",
    });
  });

  it("holds tunnels (HTTPS, WebSockets) to the policy by host and port", async () => {
    const policy = {
      allow: ["https://*.example.com/app/*", "http://127.0.0.1:8080/*", "ws.example.com"],
      deny: ["https://shop.example.com/admin*", "blocked.example.com"],
    };
    // An allow pattern with a path still names its origin; any of http, https, ws, wss.
    await expect(admitTunnel("www.example.com", 443, policy, resolver)).resolves.toBeDefined();
    await expect(admitTunnel("127.0.0.1", 8080, policy, resolver)).resolves.toEqual(["127.0.0.1"]);
    await expect(admitTunnel("127.0.0.1", 8081, policy, resolver)).rejects.toThrow(/allow list/);
    await expect(admitTunnel("ws.example.com", 9000, policy, resolver)).resolves.toBeDefined();
    await expect(admitTunnel("other.org", 443, policy, resolver)).rejects.toThrow(/allow list/);
    // A path-scoped deny cannot be told apart inside a tunnel (the page's guard checks it); a host-wide one can.
    await expect(admitTunnel("shop.example.com", 443, policy, resolver)).resolves.toBeDefined();
    await expect(admitTunnel("blocked.example.com", 443, policy, resolver)).rejects.toThrow(/deny list/);
  });

  it("refuses private addresses and localhost unless allow-listed, IPv6 included", async () => {
    await expect(admitTunnel("localhost", 80, open, async () => ["127.0.0.1"])).rejects.toThrow(/private/);
    await expect(admitTunnel("[::1]", 443, open, resolver)).rejects.toThrow(/private/);
    await expect(admitTunnel("169.254.169.254", 80, open, resolver)).rejects.toThrow(/private/);
    await expect(admitTunnel("[::1]", 443, { allow: ["[::1]"], deny: [] }, resolver)).resolves.toEqual([
      "::1",
    ]);
    await expect(
      admitTunnel("127.0.0.1", 9000, { allow: ["127.0.0.1"], deny: [] }, resolver),
    ).resolves.toEqual(["127.0.0.1"]);
  });
});
