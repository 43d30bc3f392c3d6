import { describe, expect, it } from "vitest";
import { readWidgetConfig, textColorOn } from "./widget-config.ts";

describe("readWidgetConfig", () => {
  const src = "http://nexus.example:3000/widget.js?v=2";

  it("reads the token and theme overrides; the API is where the script came from", () => {
    expect(
      readWidgetConfig({
        src,
        dataset: { token: " nxw_abc ", position: "left", color: "#6d28d9", title: "Ask us" },
      }),
    ).toEqual({
      apiBase: "http://nexus.example:3000",
      token: "nxw_abc",
      position: "left",
      color: "#6d28d9",
      title: "Ask us",
    });
  });

  it("ignores values that are not valid, and needs a token", () => {
    expect(
      readWidgetConfig({
        src,
        dataset: { token: "nxw_abc", position: "top", color: "red;background:url(//evil)", title: "  " },
      }),
    ).toEqual({ apiBase: "http://nexus.example:3000", token: "nxw_abc" });
    expect(readWidgetConfig({ src, dataset: {} })).toBeUndefined();
    expect(readWidgetConfig({ src, dataset: { token: " " } })).toBeUndefined();
  });
});

describe("textColorOn", () => {
  it("picks white on dark colors and near-black on light ones", () => {
    expect(textColorOn("#6d28d9")).toBe("#ffffff");
    expect(textColorOn("#000")).toBe("#ffffff");
    expect(textColorOn("#fde047")).toBe("#111827");
    expect(textColorOn("#fff")).toBe("#111827");
  });
});
