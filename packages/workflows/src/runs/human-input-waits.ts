import type { HumanInputAnswer, HumanInputRequest } from "../nodes/node-definition.ts";
import type { LiveRun } from "./live-run.ts";
import type { RunRecorder } from "./run-recorder.ts";

/**
 * Human-input nodes waiting for a person: the run shows as paused while any waits, followers get
 * a `human_input_required` event, and an answer through the API resumes the node.
 */
export class HumanInputWaits {
  /** Waiting nodes' resolvers, by run id then node id. */
  private readonly waiting = new Map<string, Map<string, (answer: HumanInputAnswer) => void>>();

  /** Pauses a node of `live` until `answer` is called for it, or the run stops. */
  wait(live: LiveRun, recorder: RunRecorder, question: HumanInputRequest): Promise<HumanInputAnswer> {
    const { identity } = live;
    return new Promise<HumanInputAnswer>((resolve, reject) => {
      let forRun = this.waiting.get(identity.runId);
      if (!forRun) {
        forRun = new Map();
        this.waiting.set(identity.runId, forRun);
      }
      const done = () => {
        forRun.delete(question.nodeId);
        if (forRun.size === 0) {
          this.waiting.delete(identity.runId);
          recorder.status("running");
        }
      };
      forRun.set(question.nodeId, (answer) => {
        done();
        resolve(answer);
      });
      question.signal.addEventListener(
        "abort",
        () => {
          done();
          reject(
            question.signal.reason instanceof Error
              ? question.signal.reason
              : new Error("The run was stopped"),
          );
        },
        { once: true },
      );
      recorder.status("paused");
      live.push({
        event: "human_input_required",
        task_id: identity.taskId,
        workflow_run_id: identity.runId,
        data: {
          node_id: question.nodeId,
          title: question.title,
          form_content: question.formContent,
          inputs: question.fields,
          actions: question.actions,
        },
      });
    });
  }

  /** Answers a waiting node; false when nothing waits for it. */
  answer(runId: string, nodeId: string, answer: HumanInputAnswer): boolean {
    const resolve = this.waiting.get(runId)?.get(nodeId);
    if (!resolve) return false;
    resolve(answer);
    return true;
  }
}
