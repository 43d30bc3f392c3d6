import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const cliPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/nexus.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `nexus <args>` to completion in a child process. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 90_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`nexus ${args.join(" ")} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  const cleanEnv: Record<string, string> = {};
  // Tests never look for model servers on this machine's usual ports unless they say so.
  env = { NEXUS_DISCOVERY_PORTS: "off", ...env };
  for (const [name, value] of Object.entries({ ...process.env, ...env })) {
    if (value !== undefined && !(name.startsWith("NEXUS_") && !(name in env))) cleanEnv[name] = value;
  }
  return spawn(process.execPath, [cliPath, ...args], { env: cleanEnv, stdio: ["ignore", "pipe", "pipe"] });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
