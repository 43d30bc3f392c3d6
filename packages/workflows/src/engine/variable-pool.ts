import type { ValueSelector } from "../graph/graph-types.ts";

/** Namespaces that are not nodes: system values, environment and conversation variables. */
export const systemNamespaces = new Set(["sys", "env", "conversation"]);

/**
 * A run's variables: each node's outputs under its id, plus `sys`, `env` and `conversation`.
 * Iterations and loops get a child pool: reads fall through to the parent, and writes to a
 * namespace the parent owns (a conversation variable, a loop variable) go to the parent, so
 * an assigner inside a loop updates the loop's variables and the conversation's.
 */
export class VariablePool {
  private readonly scopes = new Map<string, Record<string, unknown>>();

  constructor(private readonly parent?: VariablePool) {}

  /** A pool whose reads fall through to this one. */
  child(): VariablePool {
    return new VariablePool(this);
  }

  has(namespace: string): boolean {
    return this.scopes.has(namespace) || (this.parent?.has(namespace) ?? false);
  }

  /** Replaces a node's (or namespace's) outputs. */
  setScope(namespace: string, values: Record<string, unknown>): void {
    this.scopes.set(namespace, values);
  }

  scope(namespace: string): Record<string, unknown> | undefined {
    return this.scopes.get(namespace) ?? this.parent?.scope(namespace);
  }

  /** The value at a selector; undefined when the node did not run or has no such output. */
  get(selector: ValueSelector): unknown {
    const [namespace, name, ...path] = selector;
    if (namespace === undefined || name === undefined) return undefined;
    let value: unknown = this.scope(namespace)?.[name];
    for (const key of path) {
      if (value === null || typeof value !== "object") return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  }

  /** Writes one variable where its namespace lives (this pool or the nearest parent that has it). */
  set(selector: ValueSelector, value: unknown): void {
    const [namespace, name] = selector;
    if (namespace === undefined || name === undefined) return;
    if (!this.scopes.has(namespace) && this.parent?.has(namespace)) {
      this.parent.set(selector, value);
      return;
    }
    const scope = this.scopes.get(namespace);
    if (scope) scope[name] = value;
    else this.scopes.set(namespace, { [name]: value });
  }
}
