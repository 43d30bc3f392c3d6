import { describe, expect, it } from "vitest";
import { assertUrlAllowed, isUrlAllowedSync } from "./url-policy.ts";

const open = { allow: [], deny: [] };

describe("URL policy", () => {
  it("refuses private ranges and file: unless allow-listed", async () => {
    for (const url of [
      "http://127.0.0.1:8080/",
      "http://10.1.2.3/",
      "http://192.168.0.1/",
      "http://[::1]/",
      "http://localhost/",
    ]) {
      await expect(assertUrlAllowed(url, open)).rejects.toMatchObject({ code: "url_blocked", status: 403 });
    }
    await expect(assertUrlAllowed("file:///etc/passwd", open)).rejects.toMatchObject({ code: "url_blocked" });
    await expect(
      assertUrlAllowed("http://127.0.0.1:8080/x", { allow: ["127.0.0.1"], deny: [] }),
    ).resolves.toBeInstanceOf(URL);
    await expect(
      assertUrlAllowed("file:///tmp/a.html", { allow: ["file:///tmp/*"], deny: [] }),
    ).resolves.toBeInstanceOf(URL);
  });

  it("applies the deny list before the allow list, and the allow list to everything else", async () => {
    const policy = { allow: ["127.0.0.1", "https://*.example.com/*"], deny: ["http://127.0.0.1:*/admin*"] };
    await expect(assertUrlAllowed("http://127.0.0.1:9/admin/users", policy)).rejects.toThrow(/deny list/);
    await expect(assertUrlAllowed("https://shop.example.com/cart", policy)).resolves.toBeInstanceOf(URL);
    await expect(assertUrlAllowed("https://other.org/", policy)).rejects.toThrow(/allow list/);
    expect(isUrlAllowedSync("https://other.org/", policy)).toBe(false);
    expect(isUrlAllowedSync("http://127.0.0.1:9/shop", policy)).toBe(true);
  });

  it("calls a host that does not resolve unreachable, and a malformed URL invalid", async () => {
    await expect(assertUrlAllowed("http://no-such-host.invalid/", open)).rejects.toMatchObject({
      code: "navigation_failed",
    });
    await expect(assertUrlAllowed("not a url", open)).rejects.toMatchObject({ code: "url_blocked" });
  });

  it("refuses core's private ranges (metadata, CGNAT, ULA, mapped, NAT64) and lets public addresses through", async () => {
    const privateUrls = [
      "http://172.16.0.1/",
      "http://169.254.169.254/latest/meta-data",
      "http://100.64.0.1/",
      "http://0.0.0.0/",
      "http://[fd00::1]/",
      "http://[fe80::1]/",
      "http://[::ffff:10.0.0.1]/",
      "http://[64:ff9b::a00:1]/",
    ];
    for (const url of privateUrls) {
      expect(isUrlAllowedSync(url, open), url).toBe(false);
      await expect(assertUrlAllowed(url, open), url).rejects.toMatchObject({ code: "url_blocked" });
    }
    for (const url of ["http://8.8.8.8/", "http://172.32.0.1/", "http://[2606:4700::1111]/"]) {
      expect(isUrlAllowedSync(url, open), url).toBe(true);
      await expect(assertUrlAllowed(url, open), url).resolves.toBeInstanceOf(URL);
    }
  });

  it("resolves host names through the given resolver: a name pointing at a private address is refused", async () => {
    const resolver = async (host: string) =>
      host === "intranet.example.com" ? ["10.0.0.7"] : ["93.184.215.14"];
    await expect(assertUrlAllowed("https://intranet.example.com/", open, resolver)).rejects.toThrow(
      /private network address \(10\.0\.0\.7\)/,
    );
    await expect(assertUrlAllowed("https://www.example.com/", open, resolver)).resolves.toBeInstanceOf(URL);
  });
});
