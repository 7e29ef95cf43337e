// The seed's REST API hooks (useCreateRESTEndpoint, useRESTEndpoints, useDeleteRESTEndpoint) and GraphQL
// hooks (useSetGraphQLSchema, useGraphQLSchema), plus the schema's versions and their restore.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { call, type Page } from "../api";
import type { APIScope } from "./useAPIKeys";
import { CACHE } from "./cacheTimes";

export type EndpointMethod = "GET" | "POST" | "PUT" | "DELETE";

export interface EndpointTarget {
  type: "event" | "proxy";
  eventType?: string | null;
  integrationId?: string | null;
  path?: string | null;
}

export interface RESTEndpoint {
  id: string;
  teamId: string;
  path: string;
  method: EndpointMethod;
  scopes: APIScope[];
  schema?: Record<string, unknown> | null;
  public: boolean;
  enabled: boolean;
  target: EndpointTarget;
  createdAt: string;
  updatedAt: string;
}

export interface RESTEndpointInput {
  path: string;
  method: EndpointMethod;
  scopes: APIScope[];
  schema?: Record<string, unknown>;
  public: boolean;
  target: EndpointTarget;
}

const endpointsOf = (teamId: string) => ["restEndpoints", teamId] as const;

/** The team's REST endpoints (30 min cache). */
export function useRESTEndpoints(teamId: string, enabled = true) {
  return useQuery({
    queryKey: endpointsOf(teamId),
    queryFn: () => call<{ teamId: string; limit: number }, Page<RESTEndpoint>>("rest_endpoints_list", { teamId, limit: 100 }),
    enabled: enabled && Boolean(teamId),
    ...CACHE.restEndpoints,
  });
}

export function useCreateRESTEndpoint(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: RESTEndpointInput) =>
      call<RESTEndpointInput & { teamId: string }, RESTEndpoint>("rest_endpoints_create", { teamId, ...input }),
    onSuccess: () => client.invalidateQueries({ queryKey: endpointsOf(teamId) }),
  });
}

export function useDeleteRESTEndpoint(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (endpointId: string) =>
      call<{ teamId: string; endpointId: string }, { id: string; deleted: true; existed: boolean }>("rest_endpoints_delete", {
        teamId,
        endpointId,
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: endpointsOf(teamId) }),
  });
}

export interface GraphQLSchemaInput {
  typeDefs: string;
  resolvers?: Record<string, unknown>;
  complexityLimit?: number;
  depthLimit?: number;
  introspection: boolean;
}

export interface GraphQLSchema extends GraphQLSchemaInput {
  id: string;
  teamId: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface GraphQLSchemaVersion {
  id: string;
  createdAt: string;
  createdBy: string | null;
  introspection: boolean;
  complexityLimit: number | null;
  depthLimit: number | null;
  typeCount: number;
}

const schemaOf = (teamId: string) => ["graphqlSchema", teamId] as const;

/** The active schema, or null when the team serves the default one (1 h cache). */
export function useGraphQLSchema(teamId: string, enabled = true) {
  return useQuery({
    queryKey: [...schemaOf(teamId), "active"],
    queryFn: () => call<{ teamId: string }, GraphQLSchema | null>("graphql_schema_get", { teamId }),
    enabled: enabled && Boolean(teamId),
    ...CACHE.graphqlSchema,
  });
}

/** The saved versions, newest first: read from `graphqlSchemas` (members may: firestore.rules), since
 * there is no list callable. */
export function useGraphQLSchemaVersions(teamId: string) {
  return useQuery({
    queryKey: [...schemaOf(teamId), "versions"],
    queryFn: () => import("../live/graphqlSchemas").then(({ readSchemaVersions }) => readSchemaVersions(teamId)),
    ...CACHE.graphqlSchema,
  });
}

export function useSetGraphQLSchema(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: GraphQLSchemaInput) =>
      call<GraphQLSchemaInput & { teamId: string }, GraphQLSchema>("graphql_schema_set", { teamId, ...input }),
    onSuccess: () => client.invalidateQueries({ queryKey: schemaOf(teamId) }),
  });
}

export function useRestoreGraphQLSchema(teamId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (schemaId: string) =>
      call<{ teamId: string; schemaId: string }, GraphQLSchema>("graphql_schema_restore", { teamId, schemaId }),
    onSuccess: () => client.invalidateQueries({ queryKey: schemaOf(teamId) }),
  });
}
