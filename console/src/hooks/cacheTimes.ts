// The seed's "Caching Strategy", in milliseconds.
const MINUTE = 60_000;

export const CACHE = {
  apiKeys: { staleTime: 10 * MINUTE, refetchInterval: 5 * MINUTE },
  integrations: { staleTime: 10 * MINUTE },
  syncConfigs: { staleTime: 10 * MINUTE },
  oauthTokens: { staleTime: 30 * MINUTE },
  restEndpoints: { staleTime: 30 * MINUTE },
  graphqlSchema: { staleTime: 60 * MINUTE },
  marketplace: { staleTime: 60 * MINUTE },
  integrationLogs: { staleTime: 5 * MINUTE, refetchInterval: 30_000 },
  // Not in the seed: a user's teams change when someone adds them to one, rarely.
  teams: { staleTime: 10 * MINUTE },
} as const;
