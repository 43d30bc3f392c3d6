import { renderTemplate } from "../engine/template-selectors.ts";
import type { VariablePool } from "../engine/variable-pool.ts";
import { emitEventDataSchema } from "../node-schemas/flow-node-schemas.ts";
import { defineNode } from "./node-definition.ts";

const topicPattern = /^[A-Za-z0-9_.:-]{1,200}$/;

function resolve(value: unknown, pool: VariablePool, depth = 0): unknown {
  if (depth > 8) return value;
  if (typeof value === "string") {
    // A value that is exactly one reference keeps its type; anything else is text.
    const whole = /^\{\{#([\w.-]+)#\}\}$/.exec(value);
    return whole ? pool.get((whole[1] as string).split(".")) : renderTemplate(value, pool);
  }
  if (Array.isArray(value)) return value.map((item) => resolve(item, pool, depth + 1));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolve(item, pool, depth + 1)]),
    );
  }
  return value;
}

/**
 * Publishes an event on core.events (Motia's emit): `topic` and a `payload` whose strings may
 * hold `{{#node.output#}}` references. Event triggers of other workflows subscribe to it.
 * A Nexus node type; Dify has none.
 */
export const emitEventNode = defineNode({
  type: "emit-event",
  sideEffects: true,
  dataSchema: emitEventDataSchema,
  run: async ({ node, pool, services }) => {
    const topic = renderTemplate(String(node.data.topic ?? ""), pool);
    if (!topicPattern.test(topic))
      throw new Error(`'${topic}' is not an event topic (letters, digits, . _ : -)`);
    if (!services.emitEvent) throw new Error("This run has no event bus to publish on");
    const payload = resolve(node.data.payload ?? {}, pool);
    await services.emitEvent(topic, payload);
    return { outputs: { topic, payload }, inputs: { topic } };
  },
});
