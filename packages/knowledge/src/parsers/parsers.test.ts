import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { makeDocx, makeLyingZipBomb, makePdf, makeZip } from "../testing/test-files.ts";
import { DocumentError } from "./document-parser.ts";
import { parseDocument, parserFor } from "./parser-registry.ts";
import { assertSafeZip } from "./zip-guard.ts";

const parse = (name: string, data: Buffer | string, mime?: string) =>
  parseDocument(name, mime, Buffer.isBuffer(data) ? data : Buffer.from(data));

describe("document parsers", () => {
  it("reads a PDF's text layer page by page", async () => {
    const parsed = await parse(
      "report.pdf",
      makePdf(["Lift coefficients of slender wings", "Drag rise near Mach one"]),
    );
    expect(parsed.format).toBe("pdf");
    expect(parsed.sections).toEqual([
      { text: "Lift coefficients of slender wings", page: 1 },
      { text: "Drag rise near Mach one", page: 2 },
    ]);
  });

  it("says an encrypted PDF needs unlocking and a PDF without text needs OCR", async () => {
    await expect(parse("locked.pdf", makePdf(["secret"], { encrypted: true }))).rejects.toThrow(/encrypted/);
    const scanned = parse("scan.pdf", makePdf([""]));
    await expect(scanned).rejects.toMatchObject({ status: "needs_ocr" });
  });

  it("reads Word documents and refuses zip bombs before unpacking", async () => {
    const parsed = await parse(
      "memo.docx",
      makeDocx(["Flutter margins", "Tail buffeting at high incidence"]),
    );
    expect(parsed.text).toContain("Flutter margins");
    expect(parsed.text).toContain("Tail buffeting");
    const bomb = makeZip([
      { name: "word/document.xml", data: Buffer.alloc(1000), declaredSize: 300 * 1024 * 1024 },
    ]);
    await expect(parse("bomb.docx", bomb)).rejects.toThrow(/zip bomb/);
    await expect(parse("fake.docx", "not a zip at all")).rejects.toThrow(/not a valid docx/);
  });

  it("refuses a zip bomb whose headers understate its size, by the bytes actually inflated", async () => {
    // Declares 100 bytes; inflates to 210 MB (over the 200 MB limit). Refused while inflating.
    const liar = await makeLyingZipBomb(210 * 1024 * 1024);
    expect(liar.length).toBeLessThan(1024 * 1024);
    await expect(parse("liar.docx", liar)).rejects.toThrow(
      /unpacks to more than 200 MB \(refused as a zip bomb\)/,
    );
    await expect(parse("liar.xlsx", liar)).rejects.toThrow(/zip bomb/);
    // The same check with a small limit: a lying entry just over it fails, an honest one under it passes.
    const small = await makeLyingZipBomb(3 * 1024 * 1024);
    await expect(assertSafeZip(small, "small.docx", 2 * 1024 * 1024)).rejects.toThrow(/more than 2 MB/);
    await expect(assertSafeZip(small, "small.docx", 4 * 1024 * 1024)).resolves.toBeUndefined();
    // Damaged deflate data is a clear per-document error, not a crash.
    const damaged = makeZip([
      { name: "word/document.xml", data: Buffer.alloc(10), packed: Buffer.from([0xff, 0xff, 0xff]) },
    ]);
    await expect(parse("damaged.docx", damaged)).rejects.toThrow(/damaged zip archive/);
  });

  it("reads spreadsheets and CSV as one record per row", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("Wings");
    sheet.addRow(["name", "span"]);
    sheet.addRow(["Delta", 12.5]);
    sheet.addRow(["Swept", 30]);
    const xlsx = Buffer.from(await workbook.xlsx.writeBuffer());
    const parsed = await parse("wings.xlsx", xlsx);
    expect(parsed.sections).toEqual([
      { text: "name: Delta\nspan: 12.5", metadata: { sheet: "Wings", row: 2 } },
      { text: "name: Swept\nspan: 30", metadata: { sheet: "Wings", row: 3 } },
    ]);
    const csv = await parse("wings.csv", "name,span\nDelta,12.5\n");
    expect(csv.sections).toEqual([{ text: "name: Delta\nspan: 12.5", metadata: { row: 2 } }]);
  });

  it("reads HTML's main content without navigation and scripts", async () => {
    const html = `<html><head><title>Shock waves</title><script>var tracking = 1;</script></head><body>
      <nav>Home | About | Contact</nav>
      <article><h1>Shock waves</h1><p>${"A normal shock wave raises pressure and temperature abruptly. ".repeat(8)}</p></article>
      <footer>Copyright</footer></body></html>`;
    const parsed = await parse("page.html", html);
    expect(parsed.title).toBe("Shock waves");
    expect(parsed.text).toContain("normal shock wave");
    expect(parsed.text).not.toContain("tracking");
  });

  it("reads JSON, JSON Lines and code", async () => {
    expect(
      (await parse("a.json", '[{"wing":{"span":3}},{"wing":{"span":4}}]')).sections.map(
        (section) => section.text,
      ),
    ).toEqual(["wing.span: 3", "wing.span: 4"]);
    expect((await parse("a.jsonl", '{"q":"lift"}\n{"q":"drag"}\n')).sections).toHaveLength(2);
    expect((await parse("solver.py", "def lift(cl):\n    return cl\n")).sections[0]?.metadata).toEqual({
      language: "python",
    });
  });

  it("refuses images, binary text and empty files with clear reasons", async () => {
    expect(() => parserFor("photo.jpg", undefined, Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toThrow(
      DocumentError,
    );
    await expect(parse("data.txt", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]))).rejects.toThrow(
      /binary/,
    );
    await expect(parse("empty.md", "")).rejects.toThrow(/empty/);
    await expect(parse("blank.txt", "   \n  ")).rejects.toThrow(/no text/);
  });

  it("decodes UTF-16 with a byte-order mark", async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("Mach number", "utf16le")]);
    expect((await parse("u.txt", utf16)).text).toBe("Mach number");
  });
});
