import type { GraphNode, WorkflowMode } from "../graph/graph-types.ts";
import type { NodeRegistry } from "../nodes/node-definition.ts";
import { parseTemplate, type TemplateSegment, textOf } from "./template-selectors.ts";
import type { VariablePool } from "./variable-pool.ts";

export type NodeRunState = "pending" | "running" | "done" | "skipped";

interface Session {
  node: GraphNode;
  segments: TemplateSegment[];
  cursor: number;
  /** Chunks of the current streamed segment already sent. */
  streamOffset: number;
  /** Branch and container ancestors: until each has finished, the path to this node is open. */
  gates: string[];
  /** End nodes (workflow mode) stream only what a model streams; answers send all their text. */
  streamOnly: boolean;
}

/**
 * Orders a run's streamed answer text the way Dify's response coordinator does:
 * - response nodes (answer; end in workflow mode) speak one at a time, in graph order;
 * - a node speaks once every branch and container before it is settled, so text on a branch not
 *   taken never leaks, and text after a loop waits for the loop;
 * - its template is sent left to right: literal text at once, a model's streamed output chunk by
 *   chunk as it arrives (so `{{#llm2.text#}}{{#llm1.text#}}` sends all of llm2 first), any other
 *   variable once its node has finished, and conversation/outer variables once the answer node
 *   itself is reached (an assigner before it has written them).
 */
export class ResponseCoordinator {
  private readonly sessions: Session[] = [];
  private readonly streams = new Map<string, string[]>();

  constructor(
    order: GraphNode[],
    ancestorsOf: (nodeId: string) => Set<string>,
    private readonly levelNodes: Map<string, GraphNode>,
    private readonly states: Map<string, NodeRunState>,
    private readonly registry: NodeRegistry,
    mode: WorkflowMode,
    private readonly pool: VariablePool,
    private readonly emitText: (text: string, fromNodeId: string, selector?: string[]) => void,
  ) {
    for (const node of order) {
      const isAnswer = node.data.type === "answer" && mode === "advanced-chat";
      const isEnd = node.data.type === "end" && mode === "workflow";
      if (!isAnswer && !isEnd) continue;
      const segments = isAnswer
        ? parseTemplate(String(node.data.answer ?? ""))
        : ((node.data.outputs as Array<{ value_selector?: string[] }> | undefined) ?? [])
            .filter((output) => Array.isArray(output.value_selector) && output.value_selector.length >= 2)
            .map((output) => ({ selector: (output.value_selector as string[]).map(String) }));
      if (isEnd && !segments.some((segment) => "selector" in segment && this.isStreamed(segment.selector)))
        continue;
      const gates = [...ancestorsOf(node.id)].filter((id) => {
        const ancestor = levelNodes.get(id);
        const definition = ancestor ? registry.get(ancestor.data.type) : undefined;
        return (
          definition?.branches === true ||
          definition?.container === true ||
          ancestor?.data.error_strategy === "fail-branch"
        );
      });
      this.sessions.push({ node, segments, cursor: 0, streamOffset: 0, gates, streamOnly: isEnd });
    }
  }

  get idle(): boolean {
    return this.sessions.length === 0;
  }

  /** A streamed piece of a node's output. */
  chunk(nodeId: string, output: string, text: string): void {
    const key = `${nodeId}.${output}`;
    const list = this.streams.get(key);
    if (list) list.push(text);
    else this.streams.set(key, [text]);
    this.pump();
  }

  /** Sends whatever the current states allow. Called after every node state change. */
  pump(): void {
    while (this.sessions.length > 0) {
      const session = this.sessions[0] as Session;
      const own = this.states.get(session.node.id);
      if (own === "skipped") {
        this.sessions.shift();
        continue;
      }
      if (!session.gates.every((id) => this.settled(id))) return;
      if (!this.advance(session, own)) return;
      this.sessions.shift();
    }
  }

  private settled(id: string): boolean {
    const state = this.states.get(id);
    return state === "done" || state === "skipped";
  }

  private isStreamed(selector: string[]): boolean {
    const producer = this.levelNodes.get(selector[0] as string);
    if (!producer || selector.length !== 2) return false;
    return this.registry.get(producer.data.type)?.streamedOutputs?.includes(selector[1] as string) === true;
  }

  /** Sends the session's segments as far as possible; true when all are sent. */
  private advance(session: Session, own: NodeRunState | undefined): boolean {
    const from = session.node.id;
    while (session.cursor < session.segments.length) {
      const segment = session.segments[session.cursor] as TemplateSegment;
      if ("text" in segment) {
        if (!session.streamOnly) this.emitText(segment.text, from);
        session.cursor++;
        continue;
      }
      const selector = segment.selector;
      const [namespace] = selector as [string];
      const producer = this.levelNodes.get(namespace);
      if (!producer) {
        // sys/env are fixed; conversation, loop and outer variables may be written up to this node.
        const ready = namespace === "sys" || namespace === "env" || own === "running" || own === "done";
        if (!ready) return false;
        if (!session.streamOnly) this.emitText(textOf(this.pool.get(selector)), from, selector);
        session.cursor++;
        continue;
      }
      const state = this.states.get(namespace);
      if (state === "skipped") {
        session.cursor++;
        continue;
      }
      if (this.isStreamed(selector)) {
        const chunks = this.streams.get(`${namespace}.${selector[1]}`);
        while (chunks && session.streamOffset < chunks.length) {
          this.emitText(chunks[session.streamOffset++] as string, from, selector);
        }
        if (state !== "done") return false;
        if (!chunks || chunks.length === 0) this.emitText(textOf(this.pool.get(selector)), from, selector);
        session.streamOffset = 0;
        session.cursor++;
        continue;
      }
      if (state !== "done") {
        if (session.streamOnly) {
          session.cursor++;
          continue;
        }
        return false;
      }
      if (!session.streamOnly) this.emitText(textOf(this.pool.get(selector)), from, selector);
      session.cursor++;
    }
    return true;
  }
}
