// The seed's integration hooks (hooks/useIntegration.ts), over the integrations_* callables.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { call, type Page } from "../api";
import { CACHE } from "./cacheTimes";

export const INTEGRATION_TYPES = ["zapier", "slack", "rest", "graphql", "webhook"] as const;
export type IntegrationType = (typeof INTEGRATION_TYPES)[number];

export interface TestResult {
  success: boolean;
  message: string;
  statusCode?: number | null;
  durationMs: number;
}

export interface Integration {
  id: string;
  teamId: string;
  type: IntegrationType;
  name: string;
  description?: string | null;
  enabled: boolean;
  status: "active" | "error" | "disabled";
  config: Record<string, unknown>;
  marketplaceId?: string | null;
  createdAt: string;
  updatedAt: string;
  lastTestedAt?: string | null;
  lastTestResult?: TestResult | null;
  /** Webhook integrations: until when the secret replaced by a rotation still signs. */
  previousSecretExpiresAt?: string | null;
}

export interface CreatedIntegration extends Integration {
  signingSecret?: string | null;
}

export interface IntegrationInput {
  type: IntegrationType;
  name: string;
  description?: string;
  config: Record<string, unknown>;
  marketplaceId?: string;
}

export interface IntegrationChanges {
  name?: string;
  description?: string;
  enabled?: boolean;
  config?: Record<string, unknown>;
}

const integrationsOf = (teamId: string) => ["integrations", teamId] as const;

/** The team's integrations (10 min cache). */
export function useIntegrations(teamId: string, enabled = true) {
  return useQuery({
    queryKey: integrationsOf(teamId),
    queryFn: () => call<{ teamId: string; limit: number }, Page<Integration>>("integrations_list", { teamId, limit: 100 }),
    enabled: enabled && Boolean(teamId),
    ...CACHE.integrations,
  });
}

export function useIntegration(teamId: string, integrationId: string, enabled = true) {
  return useQuery({
    queryKey: [...integrationsOf(teamId), integrationId],
    queryFn: () => call<{ teamId: string; integrationId: string }, Integration>("integrations_get", { teamId, integrationId }),
    enabled: enabled && Boolean(teamId && integrationId),
    ...CACHE.integrations,
  });
}

export function useCreateIntegration(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: IntegrationInput) =>
      call<IntegrationInput & { teamId: string }, CreatedIntegration>("integrations_create", { teamId, ...input }),
    onSuccess: () => client.invalidateQueries({ queryKey: integrationsOf(teamId) }),
  });
}

export function useUpdateIntegration(teamId: string, integrationId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (changes: IntegrationChanges) =>
      call<IntegrationChanges & { teamId: string; integrationId: string }, Integration>("integrations_update", {
        teamId,
        integrationId,
        ...changes,
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: integrationsOf(teamId) }),
  });
}

export function useDeleteIntegration(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (integrationId: string) =>
      call<{ teamId: string; integrationId: string }, { id: string; deleted: true; existed: boolean }>(
        "integrations_delete",
        { teamId, integrationId },
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: integrationsOf(teamId) }),
  });
}

export function useTestIntegration(teamId: string, integrationId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => call<{ teamId: string; integrationId: string }, TestResult>("integrations_test", { teamId, integrationId }),
    // The result is stored on the integration (lastTestResult, status): the list shows it.
    onSettled: () => client.invalidateQueries({ queryKey: integrationsOf(teamId) }),
  });
}
