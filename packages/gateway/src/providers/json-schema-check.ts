const types = new Set(["string", "number", "integer", "boolean", "null", "object", "array"]);
const countKeywords = ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The first structural problem in a JSON schema a grammar is built from, or undefined. Checks the
 * keywords that shape output (type, properties, required, items, enum, const, oneOf/anyOf, $defs,
 * $ref); node-llama-cpp would otherwise turn a broken schema into an unconstrained grammar.
 *
 * @example
 * jsonSchemaProblem({ type: "objekt" }); // 'schema.type: "objekt" is not a JSON schema type'
 */
export function jsonSchemaProblem(schema: unknown): string | undefined {
  const definitions = isObject(schema) && isObject(schema.$defs) ? schema.$defs : {};
  return check(schema, "schema", definitions);
}

function check(schema: unknown, at: string, definitions: Record<string, unknown>): string | undefined {
  if (typeof schema === "boolean") return undefined;
  if (!isObject(schema)) return `${at}: must be an object`;
  const { type } = schema;
  if (type !== undefined) {
    const listed = Array.isArray(type) ? type : [type];
    if (listed.length === 0) return `${at}.type: must not be empty`;
    const unknown = listed.find((name) => typeof name !== "string" || !types.has(name));
    if (unknown !== undefined) return `${at}.type: ${JSON.stringify(unknown)} is not a JSON schema type`;
  }
  if (schema.properties !== undefined) {
    if (!isObject(schema.properties)) return `${at}.properties: must be an object`;
    for (const [name, property] of Object.entries(schema.properties)) {
      const problem = check(property, `${at}.properties.${name}`, definitions);
      if (problem) return problem;
    }
  }
  if (schema.required !== undefined) {
    if (!Array.isArray(schema.required) || schema.required.some((name) => typeof name !== "string")) {
      return `${at}.required: must be an array of property names`;
    }
  }
  for (const keyword of ["items", "additionalProperties", "not"]) {
    if (schema[keyword] === undefined) continue;
    const problem = check(schema[keyword], `${at}.${keyword}`, definitions);
    if (problem) return problem;
  }
  for (const keyword of ["prefixItems", "oneOf", "anyOf", "allOf"]) {
    const list = schema[keyword];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) return `${at}.${keyword}: must be a non-empty array`;
    for (const [index, item] of list.entries()) {
      const problem = check(item, `${at}.${keyword}[${index}]`, definitions);
      if (problem) return problem;
    }
  }
  if (schema.enum !== undefined && (!Array.isArray(schema.enum) || schema.enum.length === 0)) {
    return `${at}.enum: must be a non-empty array`;
  }
  for (const keyword of countKeywords) {
    const value = schema[keyword];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) {
      return `${at}.${keyword}: must be a non-negative integer`;
    }
  }
  if (schema.$defs !== undefined) {
    if (!isObject(schema.$defs)) return `${at}.$defs: must be an object`;
    for (const [name, definition] of Object.entries(schema.$defs)) {
      const problem = check(definition, `${at}.$defs.${name}`, definitions);
      if (problem) return problem;
    }
  }
  if (schema.$ref !== undefined) {
    const ref = schema.$ref;
    if (
      typeof ref !== "string" ||
      !ref.startsWith("#/$defs/") ||
      !(ref.slice("#/$defs/".length) in definitions)
    ) {
      return `${at}.$ref: ${JSON.stringify(ref)} must point into the schema's own $defs`;
    }
  }
  return undefined;
}
