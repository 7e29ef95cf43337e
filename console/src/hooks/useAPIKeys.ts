// The seed's API key hooks (hooks/useIntegration.ts), over the api_keys_* callables.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { call, type Page } from "../api";
import { CACHE } from "./cacheTimes";

export const API_SCOPE_GROUPS = [
  { group: "Reports", scopes: ["reports:read", "reports:write", "reports:execute", "reports:export", "reports:schedule"] },
  { group: "Contacts", scopes: ["contacts:read", "contacts:write"] },
  { group: "Tickets", scopes: ["tickets:read", "tickets:write", "tickets:comment", "tickets:resolve"] },
  { group: "Agents", scopes: ["agents:read", "agents:write"] },
  { group: "Webhooks", scopes: ["webhooks:manage"] },
  { group: "Integrations", scopes: ["integrations:read", "integrations:write"] },
  { group: "Admin", scopes: ["admin:full"] },
] as const;

export type APIScope = (typeof API_SCOPE_GROUPS)[number]["scopes"][number];

export interface RateLimit {
  requests: number;
  window: number;
}

export interface APIKey {
  id: string;
  teamId: string;
  name: string;
  key: string;
  scopes: APIScope[];
  rateLimit?: RateLimit | null;
  enabled: boolean;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
  usageCount: number;
  lastUsed?: string | null;
}

export interface CreatedAPIKey extends APIKey {
  maskedKey: string;
}

export interface APIKeyInput {
  name: string;
  scopes: APIScope[];
  expiresAt?: string;
  rateLimit?: RateLimit;
}

export interface APIKeyChanges {
  name?: string;
  scopes?: APIScope[];
  enabled?: boolean;
  rateLimit?: RateLimit | null;
  expiresAt?: string;
}

const keysOf = (teamId: string) => ["apiKeys", teamId] as const;

/** The team's keys, masked, newest first (10 min cache, refetched every 5 min). */
export function useAPIKeys(teamId: string, enabled = true) {
  return useQuery({
    queryKey: keysOf(teamId),
    queryFn: () => call<{ teamId: string; limit: number }, Page<APIKey>>("api_keys_list", { teamId, limit: 100 }),
    enabled: enabled && Boolean(teamId),
    ...CACHE.apiKeys,
  });
}

export function useCreateAPIKey(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: APIKeyInput) => call<APIKeyInput & { teamId: string }, CreatedAPIKey>("api_keys_create", { teamId, ...input }),
    onSuccess: () => client.invalidateQueries({ queryKey: keysOf(teamId) }),
  });
}

export function useUpdateAPIKey(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ keyId, ...changes }: APIKeyChanges & { keyId: string }) =>
      call<APIKeyChanges & { teamId: string; keyId: string }, APIKey>("api_keys_update", { teamId, keyId, ...changes }),
    onSuccess: (updated) => {
      // The answer is the key as stored: the list shows it at once, before the refetch.
      client.setQueryData<Page<APIKey>>(keysOf(teamId), (page) =>
        page && { ...page, items: page.items.map((key) => (key.id === updated.id ? updated : key)) },
      );
      return client.invalidateQueries({ queryKey: keysOf(teamId) });
    },
  });
}

export function useDeleteAPIKey(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (keyId: string) => call<{ teamId: string; keyId: string }, { id: string; deleted: true }>("api_keys_delete", { teamId, keyId }),
    onSuccess: () => client.invalidateQueries({ queryKey: keysOf(teamId) }),
  });
}

export interface KeyValidation {
  valid: boolean;
  code: string;
  remaining: number | null;
}

export function useValidateAPIKey(teamId: string) {
  return useMutation({
    mutationFn: (key: string) => call<{ key: string; teamId: string }, KeyValidation>("api_keys_validate", { key, teamId }),
  });
}

export interface KeyUsageDay {
  /** YYYY-MM-DD, UTC. */
  day: string;
  /** Validations per key id that day. */
  keys: Record<string, number>;
}

/** The last `days` UTC days of validations per key (one Firestore query; 5 min cache, as the keys'
 * usage counts are flushed every few seconds and a chart of days needs no more). */
export function useAPIKeyUsage(teamId: string, days = 30) {
  const fromDay = new Date(Date.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return useQuery({
    queryKey: ["apiKeyUsage", teamId, fromDay],
    queryFn: () => import("../live/apiKeyUsage").then(({ readKeyUsage }) => readKeyUsage(teamId, fromDay)),
    enabled: Boolean(teamId),
    staleTime: 5 * 60_000,
  });
}
