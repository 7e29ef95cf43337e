// The seed's OAuth hooks over the oauth_* callables, plus the team's connections, live.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { call } from "../api";
import { CACHE } from "./cacheTimes";
import { useListener } from "./useListener";

export const OAUTH_PROVIDERS = ["salesforce", "hubspot", "slack", "microsoft", "google"] as const;
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number] | "custom";
export type ConnectionStatus = "active" | "needs_reauth" | "revoked" | "exhausted";

export interface OAuthConnection {
  id: string;
  provider: OAuthProvider;
  customProviderId?: string | null;
  userId: string;
  scopes: string[];
  status: ConnectionStatus;
  expiresAt?: string | null;
  accessToken?: string | null;
  hasRefreshToken: boolean;
  lastRefreshedAt: string;
  lastError?: string | null;
}

const tokenKey = (teamId: string) => ["oauthTokens", teamId] as const;

/** One connection (seed: getOAuthToken), token masked (30 min cache). */
export function useOAuthToken(teamId: string, provider: OAuthProvider, userId: string, enabled = true) {
  return useQuery({
    queryKey: [...tokenKey(teamId), provider, userId],
    queryFn: () =>
      call<{ teamId: string; provider: OAuthProvider; userId: string }, OAuthConnection>("oauth_tokens_get", {
        teamId,
        provider,
        userId,
      }),
    enabled: enabled && Boolean(teamId && userId),
    ...CACHE.oauthTokens,
  });
}

export interface StoreOAuthTokenInput {
  provider: OAuthProvider;
  userId: string;
  accessToken: string;
  refreshToken?: string;
  expiresAt?: string;
  scopes?: string[];
}

export function useStoreOAuthToken(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: StoreOAuthTokenInput) =>
      call<StoreOAuthTokenInput & { teamId: string }, OAuthConnection>("oauth_tokens_store", { teamId, ...input }),
    onSuccess: () => client.invalidateQueries({ queryKey: tokenKey(teamId) }),
  });
}

export function useRefreshOAuthToken(teamId: string, oauthId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => call<{ teamId: string; oauthId: string }, OAuthConnection>("oauth_tokens_refresh", { teamId, oauthId }),
    onSuccess: () => client.invalidateQueries({ queryKey: tokenKey(teamId) }),
  });
}

export function useRevokeOAuthToken(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (oauthId: string) =>
      call<{ teamId: string; oauthId: string }, { id: string; status: ConnectionStatus; revokedAtProvider: boolean }>(
        "oauth_tokens_revoke",
        { teamId, oauthId },
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: tokenKey(teamId) }),
  });
}

/** Start the redirect flow: oauth_start answers a single-use launch URL, opened at once in this tab
 * (never noreferrer: oauth_authorize checks that the launch comes from this origin). */
export function useStartOAuth(teamId: string) {
  return useMutation({
    mutationFn: (provider: OAuthProvider) =>
      call<{ teamId: string; provider: OAuthProvider; returnUrl: string }, { authorizationUrl: string }>("oauth_start", {
        teamId,
        provider,
        returnUrl: `${window.location.origin}/`,
      }),
    onSuccess: ({ authorizationUrl }) => window.location.assign(authorizationUrl),
  });
}

/** The team's connections, kept live by a Firestore listener on teams/{teamId}/oauthTokens (members
 * may read it: firestore.rules). There is no list callable; the documents hold no token. */
export function useOAuthConnections(teamId: string) {
  const [state, setState] = useState<{ connections?: OAuthConnection[]; error?: string }>({});
  useListener(
    () =>
      import("../live/connections").then(({ listenToConnections }) =>
        listenToConnections(
          teamId,
          (connections) => setState({ connections }),
          (error) => setState({ error }),
        ),
      ),
    [teamId],
  );
  return state;
}
