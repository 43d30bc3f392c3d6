import {
  createWebSession,
  deleteWebSession,
  getWorkspaceById,
  getWorkspaceBySlug,
  NexusError,
} from "@nexus/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Authenticator } from "../auth/authenticator.ts";
import type { LoginCodes } from "../auth/login-codes.ts";
import type { AppDependencies } from "../dependencies.ts";
import { readCookie, sessionCookie } from "../plugins/authentication.ts";
import { errorSchema, roleSchema, workspaceSchema } from "./schemas.ts";

/** Browser sign-in: trade an API key or a one-time login code for an HttpOnly session cookie. */
export function sessionRoutes(
  { store }: AppDependencies,
  authenticator: Authenticator,
  loginCodes: LoginCodes,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/sessions",
      {
        config: { public: true },
        schema: {
          tags: ["sessions"],
          summary: "Sign in to the web app with an API key or a login code printed by `nexus start`",
          security: [],
          body: z.union([
            z.object({ key: z.string().min(1).max(200) }).strict(),
            z.object({ loginCode: z.string().min(1).max(200) }).strict(),
          ]),
          response: {
            201: z.object({ workspace: workspaceSchema, role: roleSchema, expiresAt: z.string() }),
            400: errorSchema,
            401: errorSchema,
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        let session: { workspaceId: string; role: "owner" | "admin" | "member"; apiKeyId: string | null };
        if ("key" in body) {
          const principal = await authenticator.authenticateKey(body.key);
          if (!principal) throw new NexusError("authentication_error", "Invalid or revoked API key");
          session = { workspaceId: principal.workspaceId, role: principal.role, apiKeyId: principal.keyId };
        } else {
          const slug = loginCodes.redeem(body.loginCode);
          if (!slug) throw new NexusError("authentication_error", "Login code is unknown, used or expired");
          const workspace = await getWorkspaceBySlug(store.db, slug);
          session = { workspaceId: workspace.id, role: "owner", apiKeyId: null };
        }
        const { token, expiresAt } = await createWebSession(store.db, session);
        const workspace = await getWorkspaceById(store.db, session.workspaceId);
        reply.header(
          "set-cookie",
          `${sessionCookie}=${token}; Path=/; HttpOnly; SameSite=Strict; Expires=${new Date(expiresAt).toUTCString()}`,
        );
        return reply.status(201).send({ workspace, role: session.role, expiresAt });
      },
    );

    app.delete(
      "/api/sessions/current",
      {
        config: { public: true },
        schema: {
          tags: ["sessions"],
          summary: "Sign out of the web app",
          security: [],
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        const token = readCookie(request.headers.cookie, sessionCookie);
        if (token) await deleteWebSession(store.db, token);
        reply.header("set-cookie", `${sessionCookie}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
        return reply.status(204).send(null);
      },
    );
  };
}
