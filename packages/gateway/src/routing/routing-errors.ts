import { ProviderError } from "../providers/provider-error.ts";
import type { Alias } from "./gateway-config.ts";

/** The client went away; nobody's fault, nothing to retry. */
export const clientClosed = (cause?: unknown) =>
  new ProviderError("The client closed the request", {
    status: 499,
    type: "client_closed_request",
    retryable: false,
    cause,
  });

/** The alias's `totalMs` ran out; after that nothing more is tried. */
export const totalTimeout = (alias: Alias, ms: number) =>
  new ProviderError(`The request to '${alias.name}' exceeded its total timeout (${ms} ms)`, {
    status: 504,
    type: "server_error",
    code: "upstream_timeout",
    retryable: false,
  });

/** No first token in time: another deployment may be faster. */
export const firstTokenTimeout = (deploymentId: string, ms: number) =>
  new ProviderError(`Deployment '${deploymentId}' sent no first token within ${ms} ms`, {
    status: 504,
    type: "server_error",
    code: "upstream_timeout",
    retryable: true,
  });

/** None of the alias's deployments can take this kind of request (unknown providers, no embeddings). */
export const noUsableDeployment = (alias: Alias, detail: string) =>
  new ProviderError(`The model '${alias.name}' has no available deployment: ${detail}`, {
    status: 404,
    type: "invalid_request_error",
    code: "model_not_found",
    param: "model",
    retryable: false,
  });

/** Anything a provider threw that is not a ProviderError (a bug, or a library's own error). */
export function asProviderError(
  error: unknown,
  deploymentId: string,
  afterFirstByte: boolean,
): ProviderError {
  if (error instanceof ProviderError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new ProviderError(`Deployment '${deploymentId}' failed: ${detail}`, {
    status: 502,
    type: "server_error",
    code: "upstream_error",
    retryable: !afterFirstByte,
    cause: error,
  });
}

/** The last error, saying how much was tried, once retries are spent or nothing else is left. */
export function exhausted(last: ProviderError, alias: Alias, deployments: number, attempts: number) {
  const tried = `${deployments} deployment${deployments === 1 ? "" : "s"} of '${alias.name}' tried in ${attempts} attempt${attempts === 1 ? "" : "s"}`;
  return new ProviderError(`${last.message} (${tried})`, { ...last.options, cause: last });
}
