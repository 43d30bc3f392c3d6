import { NexusError } from "@nexus/core";

/** Why a code node's run failed; `message` is what the workflow's user reads. */
export type CodeExecutionErrorKind =
  | "syntax"
  | "runtime"
  | "timeout"
  | "memory"
  | "output_too_large"
  | "not_object"
  | "not_serializable"
  | "no_main"
  | "forbidden"
  | "aborted"
  | "crashed"
  | "unavailable";

/**
 * A code node's code failed: syntax error (with line), exception, time or memory limit,
 * an oversized or non-object result, or a forbidden operation (network, processes, files).
 * Maps to HTTP 422 if it ever reaches a client directly.
 */
export class CodeExecutionError extends NexusError {
  readonly kind: CodeExecutionErrorKind;

  constructor(kind: CodeExecutionErrorKind, message: string) {
    super("unprocessable_entity", message);
    this.name = "CodeExecutionError";
    this.kind = kind;
  }
}
