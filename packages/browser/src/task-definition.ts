import { z } from "zod";

const instruction = z.string().trim().min(1).max(2_000);
const jsonSchemaObject = z.record(z.string(), z.unknown());

/** One step of a recorded task; Stagehand's four operations plus plain navigation. */
export const taskStepSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("goto"), url: z.string().min(1).max(2_000) }),
  z.strictObject({ type: z.literal("act"), instruction }),
  z.strictObject({
    type: z.literal("extract"),
    instruction,
    /** JSON Schema of the data; the task's `extractionSchema` when left out. */
    schema: jsonSchemaObject.optional(),
  }),
  z.strictObject({ type: z.literal("observe"), instruction }),
  z.strictObject({
    type: z.literal("agent"),
    goal: instruction,
    maxSteps: z.number().int().min(1).max(200).optional(),
  }),
]);

export const taskDefinitionSchema = z.strictObject({
  startUrl: z.string().min(1).max(2_000),
  /** Gateway model or alias for the run; the instance's default when left out. */
  model: z.string().min(1).max(256).optional(),
  /** Names of the variables a run supplies (`%name%` in instructions); values are never stored. */
  variables: z
    .array(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be a letter or _ then letters, digits or _"),
    )
    .max(20)
    .default([]),
  steps: z.array(taskStepSchema).min(1).max(200),
  /** The expected shape of what the task extracts (JSON Schema, type object). */
  extractionSchema: jsonSchemaObject.optional(),
});

export const taskInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  definition: taskDefinitionSchema,
  /** Cron expression for scheduled runs (tasks without variables only), or null. */
  schedule: z.string().trim().min(1).max(100).nullable().optional(),
});

export type TaskStep = z.infer<typeof taskStepSchema>;
export type TaskDefinition = z.infer<typeof taskDefinitionSchema>;
export type TaskInput = z.infer<typeof taskInputSchema>;
