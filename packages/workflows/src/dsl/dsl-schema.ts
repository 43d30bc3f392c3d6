import { z } from "zod";

/**
 * The parts of a Dify DSL file Nexus reads, checked leniently (unknown fields pass through and
 * are kept for export) but strictly where a missing field would make the graph meaningless.
 */
const idText = z.union([z.string().min(1), z.number()]).transform(String);

export const dslNodeSchema = z.looseObject({
  id: idText,
  type: z.string().optional(),
  parentId: idText.optional(),
  position: z.looseObject({ x: z.number(), y: z.number() }).optional(),
  data: z.looseObject({
    type: z.string({ error: "every node needs data.type" }).min(1),
    title: z
      .string()
      .nullish()
      .transform((title) => title ?? ""),
  }),
});

export const dslEdgeSchema = z.looseObject({
  id: idText.optional(),
  source: idText,
  target: idText,
  sourceHandle: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((handle) => (handle === null || handle === undefined ? "source" : String(handle))),
  targetHandle: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((handle) => (handle === null || handle === undefined ? "target" : String(handle))),
});

export const declaredVariableSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().min(1),
  value_type: z.string().default("string"),
  value: z.unknown(),
  description: z.string().optional(),
});

export const dslDocumentSchema = z.looseObject({
  kind: z.literal("app", { error: "kind must be 'app'" }).optional(),
  version: z.union([z.string(), z.number()]).transform(String).optional(),
  app: z.looseObject(
    {
      mode: z.string({ error: "app.mode is required" }),
      name: z.string().nullish(),
      description: z.string().nullish(),
    },
    { error: "a Dify app export has an 'app' section (this file has none)" },
  ),
  dependencies: z.array(z.unknown()).nullish(),
  workflow: z
    .looseObject({
      graph: z.looseObject({
        nodes: z.array(dslNodeSchema),
        edges: z.array(dslEdgeSchema).nullish(),
      }),
      features: z.record(z.string(), z.unknown()).nullish(),
      environment_variables: z.array(declaredVariableSchema).nullish(),
      conversation_variables: z.array(declaredVariableSchema).nullish(),
    })
    .optional(),
});

export type DslDocument = z.infer<typeof dslDocumentSchema>;
