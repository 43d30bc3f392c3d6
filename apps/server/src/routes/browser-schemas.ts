import { z } from "zod";

/** Request shapes of `/api/browser/...` (strict: unknown fields are a 400). */
const url = z.string().trim().min(1).max(2_000);
const instruction = z.string().trim().min(1).max(2_000);
const variables = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), z.string().max(10_000))
  .optional();
const model = z.string().min(1).max(256).optional();

export const sessionIdParams = z.object({ id: z.string().min(1).max(64) });

export const openSessionBody = z.strictObject({
  model,
  url: url.optional(),
  viewport: z
    .strictObject({
      width: z.number().int().min(200).max(4_000),
      height: z.number().int().min(200).max(4_000),
    })
    .optional(),
  cookies: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(256),
        value: z.string().max(4_096),
        url: z.string().max(2_000).optional(),
        domain: z.string().max(256).optional(),
        path: z.string().max(1_000).optional(),
        expires: z.number().optional(),
        httpOnly: z.boolean().optional(),
        secure: z.boolean().optional(),
        sameSite: z.enum(["Strict", "Lax", "None"]).optional(),
      }),
    )
    .max(200)
    .optional(),
  /** A remote Chrome's DevTools endpoint to attach to (scale-out). */
  cdpUrl: url.optional(),
});

export const gotoBody = z.strictObject({ url });
/** An action as `observe` returns it, to perform without the model. */
const observedAction = z.strictObject({
  selector: z.string().min(1).max(4_000),
  description: z.string().max(2_000).default(""),
  method: z.string().min(1).max(64),
  arguments: z.array(z.string().max(10_000)).max(10).default([]),
});
const actFields = z.strictObject({
  instruction: instruction.optional(),
  action: observedAction.optional(),
  variables,
  url: url.optional(),
});
const oneOfInstructionOrAction = (body: { instruction?: string; action?: unknown }) =>
  Boolean(body.instruction) !== Boolean(body.action);
const instructionOrAction = { message: "give either instruction or action", path: ["instruction"] };

export const actBody = actFields.refine(oneOfInstructionOrAction, instructionOrAction);
export const extractBody = z.strictObject({
  instruction,
  /** JSON Schema (type object) of the data to extract. */
  schema: z.record(z.string(), z.unknown()).optional(),
  url: url.optional(),
});
export const observeBody = z.strictObject({ instruction, url: url.optional() });
export const agentBody = z.strictObject({
  goal: instruction,
  maxSteps: z.number().int().min(1).max(200).optional(),
  variables,
  url: url.optional(),
});

/** One-shot operations open a browser on `url`, run, and close it. */
export const oneShotExtras = z.strictObject({ url, model });

export const oneShotActBody = actFields
  .omit({ url: true })
  .extend(oneShotExtras.shape)
  .refine(oneOfInstructionOrAction, instructionOrAction);

export const runTaskBody = z.strictObject({
  variables,
  version: z.number().int().min(1).optional(),
  /** Answer when the run ended (200) instead of when it started (202). */
  wait: z.boolean().optional(),
});
