/** Per-run limits of a code node; every field has a default. */
export interface CodeLimits {
  /** Wall-clock time for the whole run, including start-up. Default 10 s. */
  timeoutMs?: number;
  /** Memory the code may allocate beyond the interpreter's own. Default 256 MiB. */
  memoryBytes?: number;
  /** Size of the result serialized as JSON. Default 1 MiB. */
  maxOutputBytes?: number;
}

export const defaultCodeLimits: Required<CodeLimits> = {
  timeoutMs: 10_000,
  memoryBytes: 256 * 1024 * 1024,
  maxOutputBytes: 1024 * 1024,
};

export function resolveCodeLimits(limits: CodeLimits | undefined): Required<CodeLimits> {
  return {
    timeoutMs: positive(limits?.timeoutMs) ?? defaultCodeLimits.timeoutMs,
    memoryBytes: positive(limits?.memoryBytes) ?? defaultCodeLimits.memoryBytes,
    maxOutputBytes: positive(limits?.maxOutputBytes) ?? defaultCodeLimits.maxOutputBytes,
  };
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}
