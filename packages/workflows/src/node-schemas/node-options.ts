/**
 * The closed sets node settings choose from (operators, modes, types), for forms that offer them:
 * `@nexus/workflows/node-options`. Zod-free, so a page can list them without loading the schemas.
 */

export { errorStrategies } from "../engine/error-strategies.ts";
export {
  httpApiKeyTypes,
  httpAuthorizationTypes,
  httpBodyItemTypes,
  httpBodyTypes,
  httpMethods,
} from "../http/http-request-options.ts";
export { assignerOperations, assignerWriteModes } from "../nodes/assigner-operations.ts";
export { comparisonOperators, logicalOperators } from "../nodes/comparison-operators.ts";
export {
  codeOutputTypes,
  iterationErrorModes,
  parameterTypes,
  sortOrders,
  toolInputTypes,
  valueSources,
} from "../nodes/value-type-options.ts";
