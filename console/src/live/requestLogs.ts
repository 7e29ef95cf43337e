// The Firestore listener behind useIntegrationRequestLogs; loaded lazily with Firestore itself.
// firestore.rules lets members read teams/{teamId}/integrationLogs (tests/integration/test_rules.py).
import { collection, limit as atMost, onSnapshot, orderBy, query, where } from "firebase/firestore";

import { lazyFirestore } from "../firebase";
import type { RequestLog } from "../hooks/useIntegrationRequestLogs";
import { isoOrNull } from "./firestoreDates";

export async function listenToRequestLogs(
  teamId: string,
  integrationId: string,
  limit: number,
  onLogs: (logs: RequestLog[]) => void,
): Promise<() => void> {
  const db = await lazyFirestore();
  // Served by the (integrationId, timestamp desc) index in firestore.indexes.json.
  const logs = query(
    collection(db, "teams", teamId, "integrationLogs"),
    where("integrationId", "==", integrationId),
    orderBy("timestamp", "desc"),
    atMost(limit),
  );
  return onSnapshot(
    logs,
    (snapshot) =>
      onLogs(
        snapshot.docs.map((doc) => {
          const data = doc.data();
          return {
            id: doc.id,
            integrationId: data.integrationId as string,
            method: data.method as string,
            endpoint: data.endpoint as string,
            statusCode: (data.statusCode as number | null | undefined) ?? null,
            duration: data.duration as number,
            success: data.success as boolean,
            error: (data.error as string | null | undefined) ?? null,
            timestamp: isoOrNull(data.timestamp) ?? "",
          };
        }),
      ),
    // A listener refused (rules, network) leaves the fetched page and its 30 s refetch in place.
    () => undefined,
  );
}
