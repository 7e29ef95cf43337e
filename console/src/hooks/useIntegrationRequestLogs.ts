import { useQuery, useQueryClient } from "@tanstack/react-query";

import { call, type Page } from "../api";
import { CACHE } from "./cacheTimes";
import { useListener } from "./useListener";

export interface RequestLog {
  id: string;
  integrationId: string;
  method: string;
  endpoint: string;
  statusCode?: number | null;
  duration: number;
  success: boolean;
  error?: string | null;
  timestamp: string;
}

/** An integration's request log, newest first: fetched with `request_logs_list` (5 min cache, 30 s
 * refetch, as the seed says), then kept live by a Firestore listener while the view is open. */
export function useIntegrationRequestLogs(teamId: string, integrationId: string, enabled = true, limit = 50) {
  const client = useQueryClient();
  const queryKey = ["integrationLogs", teamId, integrationId, limit];
  const query = useQuery({
    queryKey,
    queryFn: () =>
      call<{ teamId: string; integrationId: string; limit: number }, Page<RequestLog>>("request_logs_list", {
        teamId,
        integrationId,
        limit,
      }).then((page) => page.items),
    enabled: enabled && Boolean(teamId && integrationId),
    ...CACHE.integrationLogs,
  });

  // The listener's module (and Firestore with it) loads only when a log is opened.
  useListener(
    enabled && teamId && integrationId
      ? () =>
          import("../live/requestLogs").then(({ listenToRequestLogs }) =>
            listenToRequestLogs(teamId, integrationId, limit, (logs) => client.setQueryData(queryKey, logs)),
          )
      : null,
    [client, teamId, integrationId, enabled, limit],
  );

  return query;
}
