import { describe, expect, it } from "vitest";
import { htmlToText } from "./html-to-text.ts";

describe("htmlToText", () => {
  it("keeps the title and the body's text, one block per line, without scripts or styles", () => {
    const page = htmlToText(`<!doctype html><html><head><title> Fish &amp; Chips </title>
      <style>body { color: red }</style><script>alert("x")</script></head>
      <body><h1>Menu</h1><p>Cod &mdash; &pound;9 &#8364;10 &#x263A;</p><!-- hidden -->
      <ul><li>Peas</li><li>Vinegar</li></ul><table><tr><td>a</td><td>b</td></tr></table>
      <noscript>enable JS</noscript>line<br>break</body></html>`);
    expect(page.title).toBe("Fish & Chips");
    expect(page.text).toBe("Menu\n\nCod — &pound;9 €10 ☺\n\n- Peas\n- Vinegar\n\na b\n\nline\nbreak");
    expect(page.text).not.toContain("alert");
    expect(page.text).not.toContain("color");
  });
});
