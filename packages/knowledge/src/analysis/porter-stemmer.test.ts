import { describe, expect, it } from "vitest";
import { porterStem } from "./porter-stemmer.ts";

describe("porterStem", () => {
  it("stems the examples of Porter's paper", () => {
    const cases: Record<string, string> = {
      caresses: "caress",
      ponies: "poni",
      caress: "caress",
      cats: "cat",
      feed: "feed",
      agreed: "agre",
      plastered: "plaster",
      motoring: "motor",
      sing: "sing",
      conflated: "conflat",
      troubled: "troubl",
      sized: "size",
      hopping: "hop",
      falling: "fall",
      filing: "file",
      happy: "happi",
      relational: "relat",
      conditional: "condit",
      rational: "ration",
      digitizer: "digit",
      generalization: "gener",
      hopefulness: "hope",
      electrical: "electr",
      revival: "reviv",
      allowance: "allow",
      adjustment: "adjust",
      adoption: "adopt",
      controll: "control",
      roll: "roll",
      boundaries: "boundari",
      flows: "flow",
      flowing: "flow",
    };
    for (const [word, stem] of Object.entries(cases)) expect(porterStem(word), word).toBe(stem);
  });

  it("leaves short words and non-letters alone", () => {
    expect(porterStem("is")).toBe("is");
    expect(porterStem("x2")).toBe("x2");
  });
});
