import { type ChildProcess, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";

/** A CDP message as it crosses the pipe (command, response or event). */
export interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code?: number; message?: string };
  sessionId?: string;
}

/**
 * A Chromium started with `--remote-debugging-pipe`: CDP over its fd 3 (our writes) and fd 4 (its
 * writes), NUL-separated JSON. No DevTools port is opened, so no other local process can drive
 * this browser. Started in its own process group so closing ends its helpers too.
 */
export class ChromiumPipe {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly exited: Promise<void>;
  private messageHandler: (message: CdpMessage) => void = () => {};
  private exitHandler: () => void = () => {};
  private alive = true;

  private constructor(private readonly child: ChildProcess) {
    const output = child.stdio[4] as Readable;
    output.on("data", (chunk: Buffer) => this.receive(chunk));
    output.on("error", () => {});
    (child.stdio[3] as Writable).on("error", () => {});
    this.exited = new Promise((resolve) => {
      child.once("exit", () => {
        this.alive = false;
        // The browser is gone however it ended; helpers it left (GPU, network, renderers) go too.
        this.killGroup();
        this.exitHandler();
        resolve();
      });
    });
  }

  /** Spawns Chromium; rejects when the executable cannot be started at all. */
  static async launch(executablePath: string, args: string[]): Promise<ChromiumPipe> {
    const child = spawn(executablePath, [...args, "--remote-debugging-pipe"], {
      stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"],
      detached: true,
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", () => resolve());
      child.once("error", reject);
    });
    return new ChromiumPipe(child);
  }

  get running(): boolean {
    return this.alive;
  }

  onMessage(handler: (message: CdpMessage) => void): void {
    this.messageHandler = handler;
  }

  onExit(handler: () => void): void {
    this.exitHandler = handler;
  }

  send(message: CdpMessage): void {
    if (!this.alive) return;
    (this.child.stdio[3] as Writable).write(`${JSON.stringify(message)}\0`);
  }

  /** Ends the browser and every helper process it started; resolves once the browser has exited. */
  async kill(): Promise<void> {
    if (this.alive) this.killGroup();
    await this.exited;
  }

  private killGroup(): void {
    if (!this.child.pid) return;
    try {
      process.kill(-this.child.pid, "SIGKILL");
    } catch {
      // The group is already gone (or was never made): the browser itself then.
      if (this.alive) this.child.kill("SIGKILL");
    }
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (let end = this.buffered.indexOf(0); end >= 0; end = this.buffered.indexOf(0)) {
      const text = this.buffered.subarray(0, end).toString("utf8");
      this.buffered = this.buffered.subarray(end + 1);
      let message: CdpMessage;
      try {
        message = JSON.parse(text) as CdpMessage;
      } catch {
        continue; // Not JSON: not something the browser sends; dropped.
      }
      this.messageHandler(message);
    }
  }
}
