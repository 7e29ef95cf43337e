// The Firestore listener behind useOAuthConnections; loaded lazily with Firestore itself.
import { collection, onSnapshot, orderBy, query } from "firebase/firestore";

import { lazyFirestore } from "../firebase";
import type { OAuthConnection } from "../hooks/useOAuth";
import { isoOrNull } from "./firestoreDates";

export async function listenToConnections(
  teamId: string,
  onConnections: (connections: OAuthConnection[]) => void,
  onError: (message: string) => void,
): Promise<() => void> {
  const db = await lazyFirestore();
  return onSnapshot(
    query(collection(db, "teams", teamId, "oauthTokens"), orderBy("createdAt", "desc")),
    (snapshot) =>
      onConnections(
        snapshot.docs.map((doc) => {
          const data = doc.data();
          return {
            id: doc.id,
            provider: data.provider as OAuthConnection["provider"],
            customProviderId: (data.customProviderId as string | null | undefined) ?? null,
            userId: data.userId as string,
            scopes: (data.scopes as string[] | undefined) ?? [],
            status: data.status as OAuthConnection["status"],
            expiresAt: isoOrNull(data.expiresAt),
            accessToken: (data.accessTokenHint as string | null | undefined) ?? null,
            hasRefreshToken: Boolean(data.hasRefreshToken),
            lastRefreshedAt: isoOrNull(data.lastRefreshedAt) ?? "",
            lastError: (data.lastError as string | null | undefined) ?? null,
          };
        }),
      ),
    (error) => onError(error.message),
  );
}
