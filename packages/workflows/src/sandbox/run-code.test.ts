import { execFileSync } from "node:child_process";
import { readdir } from "node:fs/promises";
import { arch, tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CodeExecutionError, type CodeLanguage, runCode } from "./run-code.ts";

async function failure(
  language: CodeLanguage,
  code: string,
  inputs: Record<string, unknown> = {},
  timeoutMs = 2000,
) {
  const error = await runCode({ language, code, inputs, limits: { timeoutMs } }).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(CodeExecutionError);
  return error as CodeExecutionError;
}

describe("runCode python3", () => {
  it("calls main with the inputs by name and returns its dict", async () => {
    const code =
      "def main(name: str, count: int) -> dict:\n    return {'greeting': f'hi {name}', 'double': count * 2, 'items': [1, None, True]}";
    await expect(runCode({ language: "python3", code, inputs: { name: "Ada", count: 21 } })).resolves.toEqual(
      {
        greeting: "hi Ada",
        double: 42,
        items: [1, null, true],
      },
    );
  });

  it("has the standard library modules Dify code uses", async () => {
    const code =
      "import json, re, math, datetime, base64, hashlib, random\ndef main(text: str) -> dict:\n    return {'n': len(re.findall(r'\\w+', text)), 'b': base64.b64encode(text.encode()).decode(), 'j': json.loads('[1]')}";
    await expect(runCode({ language: "python3", code, inputs: { text: "a b c" } })).resolves.toEqual({
      n: 3,
      b: "YSBiIGM=",
      j: [1],
    });
  });

  it("reports a syntax error with its line", async () => {
    const error = await failure("python3", "def main():\n    return {'a': 1\n\n");
    expect(error.kind).toBe("syntax");
    expect(error.message).toMatch(/line 2/);
  });

  it("reports an exception with its line", async () => {
    const error = await failure("python3", "def main():\n    print('noise')\n    return {'a': 1 / 0}");
    expect(error.kind).toBe("runtime");
    expect(error.message).toBe("ZeroDivisionError: division by zero (line 3)");
  });

  it("stops an infinite loop at the time limit and kills the process", async () => {
    const started = Date.now();
    const error = await failure("python3", "def main():\n    while True:\n        pass", {}, 500);
    expect(error.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("stops unbounded allocation at the memory limit", async () => {
    const error = await runCode({
      language: "python3",
      code: "def main():\n    chunks = []\n    while True:\n        chunks.append('x' * 1_000_000)",
      inputs: {},
      limits: { memoryBytes: 64 * 1024 * 1024 },
    }).catch((thrown: CodeExecutionError) => thrown);
    expect(error).toBeInstanceOf(CodeExecutionError);
    expect((error as CodeExecutionError).kind).toBe("memory");
  });

  it("refuses a result larger than the output limit", async () => {
    const error = await runCode({
      language: "python3",
      code: "def main():\n    return {'big': 'x' * 200_000}",
      inputs: {},
      limits: { maxOutputBytes: 100_000 },
    }).catch((thrown: CodeExecutionError) => thrown);
    expect((error as CodeExecutionError).kind).toBe("output_too_large");
  });

  it("refuses results that are not a dict or not JSON", async () => {
    expect((await failure("python3", "def main():\n    return [1, 2]")).message).toBe(
      "main() must return a dict, got list",
    );
    expect((await failure("python3", "def main():\n    return {'s': {1, 2}}")).kind).toBe("not_serializable");
    expect((await failure("python3", "x = 1")).kind).toBe("no_main");
  });

  it("blocks processes, network and files outside its temp dir", async () => {
    const system = await failure(
      "python3",
      "import os\ndef main():\n    os.system('touch /tmp/pwned')\n    return {}",
    );
    expect(system.kind).toBe("forbidden");
    expect(system.message).toMatch(/os\.system/);
    expect((await failure("python3", "import subprocess\ndef main():\n    return {}")).kind).toBe(
      "forbidden",
    );
    expect((await failure("python3", "import socket\ndef main():\n    return {}")).kind).toBe("forbidden");
    expect((await failure("python3", "def main():\n    import urllib.request\n    return {}")).kind).toBe(
      "forbidden",
    );
    expect(
      (await failure("python3", "def main():\n    return {'p': open('/etc/hostname').read()}")).kind,
    ).toBe("forbidden");
    const os = await failure(
      "python3",
      "import os\ndef main():\n    os.remove('/tmp/anything')\n    return {}",
    );
    expect(os.kind).toBe("forbidden");
  });

  it.runIf(arch() === "x64" || arch() === "arm64")(
    "has the kernel refuse sockets and programs even to code past the audit hook (seccomp)",
    () => {
      const filter = fileURLToPath(new URL("./python-seccomp.py", import.meta.url));
      const probe = [
        "import importlib.util, os, socket",
        `spec = importlib.util.spec_from_file_location('seccomp', ${JSON.stringify(filter)})`,
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)",
        "print('applied', module.prepare()())",
        "for attempt in (lambda: socket.socket(), lambda: os.execv('/bin/true', ['true'])):",
        "    try:",
        "        attempt(); print('allowed')",
        "    except OSError as error:",
        "        print('refused', error.errno)",
      ].join("\n");
      const output = execFileSync("python3", ["-I", "-c", probe], { encoding: "utf8" });
      expect(output.trim().split("\n")).toEqual(["applied True", "refused 13", "refused 13"]);
    },
  );

  it("gives each run an empty environment and its own temp dir, removed after", async () => {
    const code =
      "import os\ndef main() -> dict:\n    open('note.txt', 'w').write('kept?')\n    return {'env': dict(os.environ), 'files': os.listdir('.'), 'cwd': os.getcwd()}";
    const first = await runCode({ language: "python3", code, inputs: {} });
    const second = await runCode({ language: "python3", code, inputs: {} });
    // Python sets LC_CTYPE itself (PEP 538); nothing comes from the server's environment.
    expect(Object.keys(first.env as object).filter((key) => key !== "LC_CTYPE")).toEqual([]);
    expect(first.files).toEqual(["note.txt"]);
    expect(second.files).toEqual(["note.txt"]);
    expect(first.cwd).not.toBe(second.cwd);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const base = String(first.cwd).split("/").slice(0, -1).join("/");
    const left = (await readdir(tmpdir())).filter((name) => `${tmpdir()}/${name}` === base);
    expect(left).toEqual([]);
  });

  it("runs many at once, each with its own inputs, while one of them loops", async () => {
    // The expectation is attached at once: on a slow machine the loop times out before the others end.
    const looping = expect(
      runCode({
        language: "python3",
        code: "def main():\n    while True:\n        pass",
        inputs: {},
        limits: { timeoutMs: 1500 },
      }),
    ).rejects.toMatchObject({ kind: "timeout" });
    const code = "import time\ndef main(n: int) -> dict:\n    time.sleep(0.01)\n    return {'square': n * n}";
    const results = await Promise.all(
      Array.from({ length: 24 }, (_item, n) => runCode({ language: "python3", code, inputs: { n } })),
    );
    expect(results.map((result) => result.square)).toEqual(Array.from({ length: 24 }, (_item, n) => n * n));
    await looping;
  });

  it("starts a new sandbox server when the old one dies", async () => {
    const { server } = await runCode({
      language: "python3",
      code: "import os\ndef main():\n    return {'server': os.getppid()}",
      inputs: {},
    });
    process.kill(Number(server), "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await runCode({
      language: "python3",
      code: "import os\ndef main():\n    return {'server': os.getppid()}",
      inputs: {},
    });
    expect(after.server).not.toBe(server);
  });

  it("is cancelled by its signal", async () => {
    const controller = new AbortController();
    const running = runCode({
      language: "python3",
      code: "import time\ndef main():\n    time.sleep(30)\n    return {}",
      inputs: {},
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    await expect(running).rejects.toMatchObject({ kind: "aborted" });
  });
});

describe("runCode javascript", () => {
  it("calls main with the inputs object and returns its object", async () => {
    const code =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source run in the sandbox
      "function main({ name, count }) {\n  return { greeting: `hi ${name}`, double: count * 2, list: [1, null] };\n}";
    await expect(
      runCode({ language: "javascript", code, inputs: { name: "Ada", count: 21 } }),
    ).resolves.toEqual({
      greeting: "hi Ada",
      double: 42,
      list: [1, null],
    });
  });

  it("awaits an async main and tolerates console.log", async () => {
    const code =
      "async function main({ a }) {\n  console.log('x');\n  const b = await Promise.resolve(a + 1);\n  return { b };\n}";
    await expect(runCode({ language: "javascript", code, inputs: { a: 1 } })).resolves.toEqual({ b: 2 });
  });

  it("reports syntax errors and exceptions with their line", async () => {
    const syntax = await failure("javascript", "function main() {\n  return { a: 1 \n");
    expect(syntax.kind).toBe("syntax");
    expect(syntax.message).toMatch(/^SyntaxError: .*line \d/);
    const thrown = await failure(
      "javascript",
      "function main() {\n  const x = null;\n  return { a: x.y };\n}",
    );
    expect(thrown.kind).toBe("runtime");
    expect(thrown.message).toMatch(/^TypeError: .*\(line 3\)$/);
  });

  it("stops an infinite loop at the time limit", async () => {
    const started = Date.now();
    const error = await failure("javascript", "function main() { while (true) {} }", {}, 300);
    expect(error.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("never blocks the event loop, even while a node loops", async () => {
    let settled = false;
    const looping = runCode({
      language: "javascript",
      code: "function main() { while (true) {} }",
      inputs: {},
      limits: { timeoutMs: 600 },
    });
    void looping
      .catch(() => {})
      .finally(() => {
        settled = true;
      });
    // Code run on this thread would have settled (after 600 ms) before any timer could fire.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    const quick = await runCode({
      language: "javascript",
      code: "function main() { return { ok: true }; }",
      inputs: {},
    });
    expect(quick).toEqual({ ok: true });
    await expect(looping).rejects.toMatchObject({ kind: "timeout" });
  });

  it("is cancelled by its signal", async () => {
    const controller = new AbortController();
    const running = runCode({
      language: "javascript",
      code: "function main() { while (true) {} }",
      inputs: {},
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    await expect(running).rejects.toMatchObject({ kind: "aborted" });
    await expect(
      runCode({ language: "javascript", code: "function main() { return { after: 1 }; }", inputs: {} }),
    ).resolves.toEqual({ after: 1 });
  });

  it("stops unbounded allocation at the memory limit", async () => {
    const error = await runCode({
      language: "javascript",
      code: "function main() { const a = []; while (true) a.push({ n: a.length }); }",
      inputs: {},
      limits: { memoryBytes: 8 * 1024 * 1024 },
    }).catch((thrown: CodeExecutionError) => thrown);
    expect((error as CodeExecutionError).kind).toBe("memory");
  });

  it("refuses oversized, non-object and circular results", async () => {
    const big = await runCode({
      language: "javascript",
      code: "function main() { return { big: 'x'.repeat(200000) }; }",
      inputs: {},
      limits: { maxOutputBytes: 100_000 },
    }).catch((thrown: CodeExecutionError) => thrown);
    expect((big as CodeExecutionError).kind).toBe("output_too_large");
    expect((await failure("javascript", "function main() { return 'text'; }")).message).toBe(
      "main() must return an object, got string",
    );
    expect((await failure("javascript", "function main() { const a = {}; a.a = a; return a; }")).kind).toBe(
      "not_serializable",
    );
  });

  it("has no network, file system or host objects", async () => {
    const code =
      "function main() { return { fetch: typeof fetch, require: typeof require, process: typeof process, std: typeof std, os: typeof os }; }";
    await expect(runCode({ language: "javascript", code, inputs: {} })).resolves.toEqual({
      fetch: "undefined",
      require: "undefined",
      process: "undefined",
      std: "undefined",
      os: "undefined",
    });
    const escaped = await failure(
      "javascript",
      "function main() { return { p: this.constructor.constructor('return process')() }; }",
    );
    expect(escaped.message).toMatch(/process/);
  });

  it("keeps no state between runs", async () => {
    const code =
      "function main() { globalThis.count = (globalThis.count || 0) + 1; return { count: globalThis.count }; }";
    await expect(runCode({ language: "javascript", code, inputs: {} })).resolves.toEqual({ count: 1 });
    await expect(runCode({ language: "javascript", code, inputs: {} })).resolves.toEqual({ count: 1 });
  });
});
