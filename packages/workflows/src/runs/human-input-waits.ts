import { invalidRequest } from "@nexus/core";
import type { HumanInputAnswer, HumanInputRequest } from "../nodes/node-definition.ts";
import type { LiveRun } from "./live-run.ts";
import type { RunRecorder } from "./run-recorder.ts";

/** What a human-input form needs of an answer. */
export type HumanInputForm = Pick<HumanInputRequest, "fields" | "actions">;

/** Why `answer` does not fit the form (a required field empty, no or another action), or undefined. */
export function humanInputAnswerProblem(form: HumanInputForm, answer: HumanInputAnswer): string | undefined {
  for (const field of form.fields) {
    const value = answer.values[field.name];
    if (field.required && (value === undefined || value === null || value === "")) {
      return `The answer has no '${field.name}', which the form requires`;
    }
  }
  if (form.actions.length === 0) return undefined;
  const ids = form.actions.map((action) => action.id).join(", ");
  if (answer.action === undefined) return `The answer needs one of this form's actions (${ids})`;
  if (!form.actions.some((action) => action.id === answer.action)) {
    return `'${answer.action}' is not one of this form's actions (${ids})`;
  }
  return undefined;
}

/**
 * Human-input nodes waiting for a person: the run shows as paused while any waits, followers get
 * a `human_input_required` event, and an answer through the API resumes the node.
 */
export class HumanInputWaits {
  /** Waiting nodes' forms and resolvers, by run id then node id. */
  private readonly waiting = new Map<
    string,
    Map<string, { form: HumanInputForm; resolve: (answer: HumanInputAnswer) => void }>
  >();

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
      forRun.set(question.nodeId, {
        form: question,
        resolve: (answer) => {
          done();
          resolve(answer);
        },
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

  /**
   * Answers a waiting node; false when nothing waits for it. An answer the form cannot take is
   * refused (a 400 naming why) and the node keeps waiting.
   */
  answer(runId: string, nodeId: string, answer: HumanInputAnswer): boolean {
    const waiting = this.waiting.get(runId)?.get(nodeId);
    if (!waiting) return false;
    const problem = humanInputAnswerProblem(waiting.form, answer);
    if (problem) throw invalidRequest(problem);
    waiting.resolve(answer);
    return true;
  }
}
