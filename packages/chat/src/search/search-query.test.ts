import { describe, expect, it } from "vitest";
import { fts5Query, searchTerms, snippetOf, tsQuery } from "./search-query.ts";

describe("search terms", () => {
  it("keeps only letters and digits, lower-cased, unique", () => {
    expect(searchTerms('Hello "world" NEAR(a b) * OR x:1; DROP TABLE users;--')).toEqual([
      "hello",
      "world",
      "near",
      "a",
      "b",
      "or",
      "x",
      "1",
      "drop",
      "table",
      "users",
    ]);
    expect(searchTerms("Ünïcödé 東京 ok ok")).toEqual(["ünïcödé", "東京", "ok"]);
    expect(searchTerms('*** "" () ^ -')).toEqual([]);
  });

  it("quotes every term for FTS5 and PostgreSQL, the last as a prefix", () => {
    expect(fts5Query(["near", "or"])).toBe('"near" "or" *');
    expect(tsQuery(["near", "or"])).toBe("'near' & 'or':*");
  });
});

describe("snippets", () => {
  const long = `${"intro words ".repeat(30)}the needle is here ${"more words after ".repeat(30)}`;

  it("cuts around the first match on word boundaries", () => {
    const snippet = snippetOf(long, ["needle"]);
    expect(snippet).toContain("the needle is here");
    expect(snippet.startsWith("…")).toBe(true);
    expect(snippet.endsWith("…")).toBe(true);
    expect(snippet.length).toBeLessThanOrEqual(162);
  });

  it("returns short text whole, and the start when no term is found", () => {
    expect(snippetOf("  short\n text ", ["x"])).toBe("short text");
    expect(snippetOf(long, ["absent"]).startsWith("intro words")).toBe(true);
  });
});
