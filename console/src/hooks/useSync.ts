// The seed's sync hooks (useCreateSyncConfig, useSyncConfigurations, useUpdateSyncConfig,
// useLogSyncAttempt) over the sync_* callables, and the engine's runs, conflicts and remote fields.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { call, type Page } from "../api";
import { CACHE } from "./cacheTimes";

export type SyncDirection = "pull" | "push" | "bidirectional";
export type ConflictResolution = "local" | "remote" | "manual";
export type RunStatus = "queued" | "running" | "succeeded" | "partial" | "failed";

export interface SyncFieldMapping {
  localField: string;
  remoteField: string;
  transformer?: string | null;
  bidirectional: boolean;
}

export interface SyncConfiguration {
  id: string;
  teamId: string;
  integrationId: string;
  enabled: boolean;
  syncDirection: SyncDirection;
  /** Milliseconds between scheduled runs. */
  frequency: number;
  lastSyncAt?: string | null;
  fieldMappings: SyncFieldMapping[];
  conflictResolution: ConflictResolution;
  createdAt: string;
  updatedAt: string;
  nextRunAt?: string | null;
  activeRunId?: string | null;
  lastRunStatus?: RunStatus | null;
}

export interface SyncConfigInput {
  integrationId: string;
  enabled: boolean;
  syncDirection: SyncDirection;
  frequency: number;
  fieldMappings: SyncFieldMapping[];
  conflictResolution: ConflictResolution;
}

export type SyncConfigChanges = Partial<Omit<SyncConfigInput, "integrationId">>;

export interface SyncRun {
  id: string;
  configId: string;
  integrationId: string;
  status: RunStatus;
  trigger: "schedule" | "manual" | "external";
  pulled: number;
  pushed: number;
  created: number;
  updated: number;
  unchanged: number;
  conflicts: number;
  failed: number;
  phase: string;
  pages: number;
  createdAt: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  error?: string | null;
}

export interface ConflictField {
  localField: string;
  remoteField: string;
  localValue?: unknown;
  remoteValue?: unknown;
  baseValue?: unknown;
}

export interface SyncConflict {
  id: string;
  configId: string;
  contactId: string;
  remoteId: string;
  status: "open" | "resolved";
  fields: ConflictField[];
  createdAt: string;
  updatedAt: string;
  resolvedAt?: string | null;
  resolution?: string | null;
}

export interface RemoteField {
  name: string;
  label: string;
  type: string;
}

const configsOf = (teamId: string) => ["syncConfigs", teamId] as const;
const runsOf = (teamId: string) => ["syncRuns", teamId] as const;
const conflictsOf = (teamId: string) => ["syncConflicts", teamId] as const;

/** The team's sync configurations, optionally of one integration (10 min cache). */
export function useSyncConfigurations(teamId: string, integrationId?: string, enabled = true) {
  return useQuery({
    queryKey: [...configsOf(teamId), integrationId ?? "all"],
    queryFn: () =>
      call<{ teamId: string; integrationId?: string; limit: number }, Page<SyncConfiguration>>("sync_configs_list", {
        teamId,
        limit: 100,
        ...(integrationId ? { integrationId } : {}),
      }),
    enabled: enabled && Boolean(teamId),
    ...CACHE.syncConfigs,
  });
}

export function useCreateSyncConfig(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: SyncConfigInput) =>
      call<SyncConfigInput & { teamId: string }, SyncConfiguration>("sync_configs_create", { teamId, ...input }),
    onSuccess: () => client.invalidateQueries({ queryKey: configsOf(teamId) }),
  });
}

export function useUpdateSyncConfig(teamId: string, configId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (changes: SyncConfigChanges) =>
      call<SyncConfigChanges & { teamId: string; configId: string }, SyncConfiguration>("sync_configs_update", {
        teamId,
        configId,
        ...changes,
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: configsOf(teamId) }),
  });
}

export function useDeleteSyncConfig(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (configId: string) =>
      call<{ teamId: string; configId: string }, { id: string; deleted: true; existed: boolean }>("sync_configs_delete", {
        teamId,
        configId,
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: configsOf(teamId) }),
  });
}

export interface SyncAttemptInput {
  configId: string;
  success: boolean;
  error?: string;
}

/** The seed's logSyncAttempt: a run made elsewhere, recorded. */
export function useLogSyncAttempt(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: SyncAttemptInput) => call<SyncAttemptInput & { teamId: string }, SyncRun>("sync_attempts_log", { teamId, ...input }),
    onSuccess: () => client.invalidateQueries({ queryKey: runsOf(teamId) }),
  });
}

export function useRunSyncNow(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (configId: string) =>
      call<{ teamId: string; configId: string }, { runId: string; created: boolean }>("sync_run_now", { teamId, configId }),
    onSuccess: () =>
      Promise.all([client.invalidateQueries({ queryKey: runsOf(teamId) }), client.invalidateQueries({ queryKey: configsOf(teamId) })]),
  });
}

/** Runs, newest first. Not in the seed: while one is queued or running the list is refetched every 2 s
 * (progress and counts move), otherwise every 30 s. */
export function useSyncRuns(teamId: string) {
  return useQuery({
    queryKey: runsOf(teamId),
    queryFn: () => call<{ teamId: string; limit: number }, Page<SyncRun>>("sync_runs_list", { teamId, limit: 50 }),
    staleTime: 30_000,
    refetchInterval: (query) =>
      query.state.data?.items.some((run) => run.status === "queued" || run.status === "running") ? 2_000 : 30_000,
  });
}

export function useSyncConflicts(teamId: string, status: "open" | "resolved") {
  return useQuery({
    queryKey: [...conflictsOf(teamId), status],
    queryFn: () =>
      call<{ teamId: string; status: string; limit: number }, Page<SyncConflict>>("sync_conflicts_list", {
        teamId,
        status,
        limit: 100,
      }),
    staleTime: 30_000,
    refetchInterval: 30_000,
  });
}

export function useResolveSyncConflict(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ conflictId, resolution }: { conflictId: string; resolution: "local" | "remote" }) =>
      call<{ teamId: string; conflictId: string; resolution: string }, SyncConflict>("sync_conflicts_resolve", {
        teamId,
        conflictId,
        resolution,
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: conflictsOf(teamId) }),
  });
}

/** The CRM's contact fields, for the mapping editor (asked of the CRM: 10 min cache). */
export function useRemoteFields(teamId: string, integrationId: string) {
  return useQuery({
    queryKey: ["syncRemoteFields", teamId, integrationId],
    queryFn: () =>
      call<{ teamId: string; integrationId: string }, { items: RemoteField[] }>("sync_remote_fields", { teamId, integrationId }),
    enabled: Boolean(teamId && integrationId),
    staleTime: 10 * 60_000,
    retry: false,
  });
}
