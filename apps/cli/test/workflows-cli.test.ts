import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../packages/core/src/testing/test-databases.ts";
import { runCli } from "./run-cli.ts";

const fixtures = path.resolve(import.meta.dirname, "../../../../shared/fixtures/dify");
/** Hostile DSLs the graph check refuses; each file's first line says what it must answer. */
const rejected = path.resolve(
  import.meta.dirname,
  "../../../packages/workflows/src/graph/__fixtures__/rejected",
);

describe("nexus workflows on the local data directory", { timeout: 180_000 }, () => {
  let dataDir: string;
  let cleanup: () => void;
  const env = () => ({ NEXUS_DATA_DIR: dataDir, NEXUS_LOG_LEVEL: "silent" });

  beforeAll(() => {
    ({ dir: dataDir, cleanup } = tempDir());
  });
  afterAll(() => cleanup());

  it("imports, lists, runs by id with inputs, exports, and runs a file directly", async () => {
    const imported = await runCli(
      ["workflows", "import", path.join(fixtures, "conditional_hello_branching_workflow.yml")],
      env(),
    );
    expect(imported.code).toBe(0);
    const id = imported.stdout.trim();
    expect(id).toMatch(/^wf_/);
    expect(imported.stderr).toMatch(/Imported 'if-else' \(workflow\)/);

    const listed = await runCli(["workflows", "list", "--json"], env());
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((item) => item.id)).toContain(id);

    const ran = await runCli(["workflows", "run", id, "--input", "query=hello world", "--json"], env());
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ status: "succeeded", outputs: { true: "hello world" } });

    const exported = await runCli(["workflows", "export", id], env());
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^app:/m);
    const file = path.join(dataDir, "exported.yml");
    writeFileSync(file, exported.stdout);
    const fromFile = await runCli(["workflows", "run", file, "--input", "query=goodbye"], env());
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toEqual({ false: "goodbye" });
  });

  it("reports unsupported nodes on import, and exits non-zero when a run fails or input is bad", async () => {
    const imported = await runCli(
      ["workflows", "import", path.join(fixtures, "knowledge_retrieval_v2_workflow.yml")],
      env(),
    );
    expect(imported.code).toBe(0);
    expect(imported.stderr).toMatch(/1 node\(s\) cannot run here/);
    const failed = await runCli(["workflows", "run", imported.stdout.trim(), "--input", "query=q"], env());
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/The run failed: Node '.+' \(.+\) failed: Nexus cannot run this node/);

    const notAnApp = await runCli(
      ["workflows", "import", path.join(fixtures, "minimal_not_an_app.yml")],
      env(),
    );
    expect(notAnApp.code).not.toBe(0);
    expect(notAnApp.stderr).toMatch(/'app' section/);
    const missing = await runCli(["workflows", "import", path.join(dataDir, "nope.yml")], env());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No such file/);
    const badInput = await runCli(
      ["workflows", "run", path.join(fixtures, "simple_passthrough_workflow.yml")],
      env(),
    );
    expect(badInput.code).not.toBe(0);
    expect(badInput.stderr).toMatch(/Input 'query' is required/);
    const unknown = await runCli(["workflows", "run", "wf_doesnotexist"], env());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/not found/);
  });

  it("refuses a DSL whose node settings have the wrong type, naming the node, and stores nothing", async () => {
    const before = await runCli(["workflows", "list", "--json"], env());
    const refused = await runCli(
      ["workflows", "import", path.join(rejected, "http-timeout-is-text.yml")],
      env(),
    );
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain(
      `Node 'Fetch' (fetch): setting 'timeout' must be an object, not a string ("10")`,
    );
    expect(refused.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    const after = await runCli(["workflows", "list", "--json"], env());
    expect(after.stdout).toBe(before.stdout);

    // Another wrong type, as a file of the user's own: the message is the one the fixture expects.
    const hostile = readFileSync(path.join(rejected, "loop-count-is-not-a-number.yml"), "utf8");
    const expected = /^# expect: (.+)$/m.exec(hostile)?.[1] as string;
    expect(expected).toMatch(/^Node 'Repeat' \(loop\): /);
    const bad = path.join(dataDir, "bad.yml");
    writeFileSync(bad, hostile);
    const loop = await runCli(["workflows", "import", bad], env());
    expect(loop.code, loop.stderr).toBe(2);
    expect(loop.stderr).toContain(expected);
  });

  it("refuses an operator or mode the engine does not implement, listing the ones it does", async () => {
    for (const name of [
      "if-else-comparison-operator-unknown.yml",
      "http-method-fetch.yml",
      "assigner-write-mode-unknown.yml",
    ]) {
      const expected = /^# expect: (.+)$/m.exec(
        readFileSync(path.join(rejected, name), "utf8"),
      )?.[1] as string;
      const refused = await runCli(["workflows", "import", path.join(rejected, name)], env());
      expect(refused.code, `${name}: ${refused.stderr}`).toBe(2);
      expect(refused.stderr, name).toContain(expected);
    }
  });
});
