import { estimateTextTokens } from "@nexus/core";
import { type TokenizeRequest, type TokenizeResponse, tokenizeRequestSchema } from "./protocol/tokenize.ts";
import { ProviderError } from "./providers/provider-error.ts";
import type { RequestContext } from "./request-context.ts";
import type { WorkspaceRouting } from "./workspace-routing.ts";

/**
 * `Gateway.tokenize`: resolves the model as embeddings do, then asks its deployments in order for
 * the first that can tokenize (a tokenizer belongs to the model, not to a replica, so any one
 * serves; an alias mixing models counts in the first tokenizing one's tokens). When none can, or
 * each that can is down or has no tokenizer after all, the answer is the estimate with
 * `exact: false`, so callers always get a number. Unknown models still fail (404), as for
 * embeddings. Not metered: no model runs.
 */
export async function tokenizeThroughAlias(
  routing: WorkspaceRouting,
  request: TokenizeRequest,
  context: RequestContext,
): Promise<TokenizeResponse> {
  const parsed = tokenizeRequestSchema.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderError(`Invalid tokenize request: ${issue?.path.join(".")} ${issue?.message}`, {
      status: 400,
      type: "invalid_request_error",
      param: String(issue?.path[0] ?? ""),
      retryable: false,
    });
  }
  const { alias, routes } = await routing.resolve(context.workspaceId, request.model);
  for (const deployment of alias.deployments) {
    const provider = routing.provider(routes, deployment.provider);
    if (!provider?.doTokenize) continue;
    try {
      const answer = await provider.doTokenize(request, {
        model: deployment.model,
        signal: context.signal,
        timeouts: alias.timeouts,
      });
      if (answer.counts.length !== request.input.length) continue;
      return { model: request.model, exact: true, ...answer };
    } catch (error) {
      // A deployment that is down or has no tokenizer leaves the next one, then the estimate;
      // anything else (an unknown model, a bad key) would fail embeddings too, so it is said now.
      const fallsThrough =
        error instanceof ProviderError &&
        (error.retryable || error.options.code === "tokenize_not_supported") &&
        !context.signal.aborted;
      if (!fallsThrough) throw error;
    }
  }
  return { model: request.model, counts: request.input.map(estimateTextTokens), exact: false };
}
