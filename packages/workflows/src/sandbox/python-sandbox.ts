import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CodeExecutionError, type CodeExecutionErrorKind } from "./code-execution-error.ts";
import type { CodeLimits } from "./code-limits.ts";

const serverScript = fileURLToPath(new URL("./python-runner.py", import.meta.url));
/** The run's files live in `<base>/work`; its reply goes to `<base>/result.json`, out of its reach. */
const workSubdirectory = "work";
const resultFile = "result.json";

/**
 * Children running at once; more wait their turn (each child may use its full memory limit,
 * so this bounds what code nodes can take from the machine). NEXUS_PYTHON_MAX_CONCURRENCY overrides.
 */
let maxConcurrent = Math.max(8, availableParallelism() * 4);
/** The interpreter to look for (NEXUS_PYTHON); resolved to its real path on first use. */
let interpreterCandidate = "python3";

/**
 * Settings from config (NEXUS_PYTHON, NEXUS_PYTHON_MAX_CONCURRENCY), applied by the process's
 * wiring before its first code node runs; unset fields keep their defaults.
 */
export function configurePythonSandbox(settings: { interpreter?: string; maxConcurrency?: number }): void {
  if (settings.maxConcurrency !== undefined) maxConcurrent = settings.maxConcurrency;
  if (settings.interpreter !== undefined && settings.interpreter !== interpreterCandidate) {
    interpreterCandidate = settings.interpreter;
    interpreter = null;
  }
}
let running = 0;
const waiting: (() => void)[] = [];

async function acquire(): Promise<void> {
  if (running < maxConcurrent) {
    running++;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
}

function release(): void {
  const next = waiting.shift();
  if (next) next();
  else running--;
}

type RunnerReply =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; kind: string; message: string };

interface PendingRun {
  pid?: number;
  onPid: (pid: number) => void;
  onExit: (exitCode: number | null) => void;
}

/**
 * One long-lived Python process (python-runner.py) that forks a child per run: the child starts
 * warm (standard modules loaded) with an empty environment, its own temp dir (removed after),
 * its own process group (killed at the deadline), an address-space limit and an audit hook that
 * refuses network, process and out-of-dir file access.
 */
class PythonForkServer {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, PendingRun>();
  private nextId = 1;
  private buffered = "";
  private markReady: () => void = () => {};
  alive = true;
  /** Settles once the server has loaded its modules (or died trying). */
  readonly ready = new Promise<void>((resolve) => {
    this.markReady = resolve;
  });

  constructor(python: string) {
    this.child = spawn(python, ["-I", "-S", "-B", serverScript], {
      cwd: tmpdir(),
      env: {},
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.child.stdin?.on("error", () => {});
    this.child.stdout?.setEncoding("utf8");
    this.child.stdout?.on("data", (chunk: string) => this.read(chunk));
    this.child.once("exit", () => this.die());
    this.child.once("error", () => this.die());
    // Held while it starts (someone is waiting for it), let go when idle.
    void this.ready.then(() => {
      if (this.pending.size === 0) this.reference(false);
    });
  }

  /** Sends one run; resolves with the child's exit code once it is gone (null: the server died). */
  start(request: Record<string, unknown>, run: Omit<PendingRun, "pid">): number {
    const id = this.nextId++;
    this.pending.set(id, run);
    this.reference(true);
    this.child.stdin?.write(`${JSON.stringify({ ...request, id })}\n`);
    return id;
  }

  /** Kills a run's process group (it may not have started yet: then as soon as it does). */
  kill(id: number): void {
    const run = this.pending.get(id);
    if (!run) return;
    if (run.pid !== undefined) killGroup(run.pid);
    else run.onPid = (pid) => killGroup(pid);
  }

  private read(chunk: string): void {
    this.buffered += chunk;
    let newline = this.buffered.indexOf("\n");
    while (newline !== -1) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      const message = JSON.parse(line) as { id?: number; pid?: number; exit?: number; ready?: boolean };
      if (message.ready) this.markReady();
      else if (message.id !== undefined) this.handle(message as { id: number });
      newline = this.buffered.indexOf("\n");
    }
  }

  private handle(message: { id: number; pid?: number; exit?: number }): void {
    const run = this.pending.get(message.id);
    if (!run) return;
    if (message.pid !== undefined) {
      run.pid = message.pid;
      run.onPid(message.pid);
      return;
    }
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.reference(false);
    run.onExit(message.exit ?? null);
  }

  private die(): void {
    if (!this.alive) return;
    this.alive = false;
    this.markReady();
    for (const run of this.pending.values()) {
      if (run.pid !== undefined) killGroup(run.pid);
      run.onExit(null);
    }
    this.pending.clear();
    if (server === this) server = null;
  }

  /** An idle server must not keep the Node process alive. */
  private reference(referenced: boolean): void {
    for (const handle of [this.child, this.child.stdin, this.child.stdout]) {
      const target = handle as unknown as { ref?: () => void; unref?: () => void } | null;
      if (referenced) target?.ref?.();
      else target?.unref?.();
    }
  }
}

let interpreter: Promise<string> | null = null;
let server: PythonForkServer | null = null;

async function forkServer(): Promise<PythonForkServer> {
  const python = await findInterpreter();
  if (!server?.alive) server = new PythonForkServer(python);
  return server;
}

/** Starts the Python fork server now rather than on the first run. */
export async function warmUpPython(): Promise<void> {
  await (await forkServer()).ready;
}

/** Runs `main(**inputs)` of a Python 3 code node in a forked, sandboxed interpreter. */
export async function runPython(
  code: string,
  inputs: Record<string, unknown>,
  limits: Required<CodeLimits>,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  if (signal?.aborted) throw new CodeExecutionError("aborted", "the run was cancelled");
  await acquire();
  try {
    if (signal?.aborted) throw new CodeExecutionError("aborted", "the run was cancelled");
    return await runInChild(code, inputs, limits, signal);
  } finally {
    release();
  }
}

async function runInChild(
  code: string,
  inputs: Record<string, unknown>,
  limits: Required<CodeLimits>,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  const pythonServer = await forkServer();
  const baseDir = await mkdtemp(join(tmpdir(), "nexus-code-"));
  const workDir = join(baseDir, workSubdirectory);
  await mkdir(workDir);
  let stopped: CodeExecutionErrorKind | null = null;
  let id = 0;
  const stop = (kind: CodeExecutionErrorKind) => {
    stopped ??= kind;
    pythonServer.kill(id);
  };
  const timer = setTimeout(() => stop("timeout"), limits.timeoutMs);
  const onAbort = () => stop("aborted");
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const exitCode = await new Promise<number | null>((resolve) => {
      id = pythonServer.start(
        {
          workDir,
          resultPath: join(baseDir, resultFile),
          code,
          inputs,
          memoryBytes: limits.memoryBytes,
          maxOutputBytes: limits.maxOutputBytes,
          cpuSeconds: Math.ceil(limits.timeoutMs / 1000) + 1,
        },
        { onPid: () => {}, onExit: resolve },
      );
    });
    if (stopped === "timeout") {
      throw new CodeExecutionError(
        "timeout",
        `the code ran longer than the time limit of ${limits.timeoutMs} ms`,
      );
    }
    if (stopped === "aborted") throw new CodeExecutionError("aborted", "the run was cancelled");
    const reply = await readReply(join(baseDir, resultFile), limits.maxOutputBytes);
    if (reply?.ok) return reply.result;
    if (reply) throw new CodeExecutionError(reply.kind as CodeExecutionErrorKind, reply.message);
    if (exitCode === -24)
      throw new CodeExecutionError("timeout", "the code used more CPU time than its time limit");
    if (exitCode === null)
      throw new CodeExecutionError("crashed", "the Python sandbox stopped during the run");
    const how = exitCode < 0 ? `signal ${-exitCode}` : `exit code ${exitCode}`;
    throw new CodeExecutionError(
      "crashed",
      `the Python process ended (${how}) without a result (it may have hit the memory limit)`,
    );
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    void rm(baseDir, { recursive: true, force: true }).catch(() => {});
  }
}

async function readReply(resultPath: string, maxOutputBytes: number): Promise<RunnerReply | null> {
  try {
    const text = await readFile(resultPath, "utf8");
    if (text === "") return null;
    if (Buffer.byteLength(text) > maxOutputBytes + 4096) {
      return {
        ok: false,
        kind: "output_too_large",
        message: `the result is larger than ${maxOutputBytes} bytes`,
      };
    }
    return JSON.parse(text) as RunnerReply;
  } catch {
    return null;
  }
}

/** python3 is often a shell shim (pyenv); calling the interpreter itself saves ~150 ms a start. */
function findInterpreter(): Promise<string> {
  interpreter ??= new Promise((resolve, reject) => {
    const candidate = interpreterCandidate;
    execFile(candidate, ["-c", "import sys; print(sys.executable)"], { timeout: 10_000 }, (error, stdout) => {
      if (error || !stdout.trim()) {
        interpreter = null;
        reject(
          new CodeExecutionError("unavailable", `Python 3 is not available on this server ('${candidate}')`),
        );
      } else resolve(stdout.trim());
    });
  });
  return interpreter;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
