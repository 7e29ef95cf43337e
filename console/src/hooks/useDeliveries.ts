// Outgoing webhook deliveries and signing secrets (deliveries_*, integrations_rotate_secret).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { call, type Page } from "../api";

export type DeliveryStatus = "pending" | "retrying" | "succeeded" | "failed" | "cancelled";

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  statusCode?: number | null;
  durationMs: number;
  error?: string | null;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  subscriberKind: string;
  integrationId?: string | null;
  status: DeliveryStatus;
  attemptCount: number;
  attempts: DeliveryAttempt[];
  nextAttemptAt?: string | null;
  lastStatusCode?: number | null;
  lastError?: string | null;
  createdAt: string;
  succeededAt?: string | null;
}

const deliveriesOf = (teamId: string) => ["deliveries", teamId] as const;

/** The team's deliveries, newest first, with their attempts. Not in the seed: they move while a
 * retry is under way, so they are fresh for 30 s and refetched every 30 s while shown. */
export function useDeliveries(teamId: string, status?: DeliveryStatus) {
  return useQuery({
    queryKey: [...deliveriesOf(teamId), status ?? "all"],
    queryFn: () =>
      call<{ teamId: string; status?: DeliveryStatus; limit: number }, Page<Delivery>>("deliveries_list", {
        teamId,
        limit: 100,
        ...(status ? { status } : {}),
      }),
    staleTime: 30_000,
    refetchInterval: 30_000,
  });
}

export function useRetryDelivery(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (deliveryId: string) =>
      call<{ teamId: string; deliveryId: string }, Delivery>("deliveries_retry", { teamId, deliveryId }),
    onSuccess: () => client.invalidateQueries({ queryKey: deliveriesOf(teamId) }),
  });
}

export interface RotatedSecret {
  id: string;
  signingSecret: string;
  previousSecretExpiresAt: string;
}

export function useRotateSigningSecret(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (integrationId: string) =>
      call<{ teamId: string; integrationId: string }, RotatedSecret>("integrations_rotate_secret", {
        teamId,
        integrationId,
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["integrations", teamId] }),
  });
}
