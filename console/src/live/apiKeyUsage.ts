// Validations per key per UTC day: ONE query over teams/{teamId}/apiKeyUsage (a document per day,
// `keys.{keyId}` counts, written by the usage flusher; members read it: firestore.rules).
import { collection, documentId, getDocs, query, where } from "firebase/firestore";

import { lazyFirestore } from "../firebase";
import type { KeyUsageDay } from "../hooks/useAPIKeys";

export async function readKeyUsage(teamId: string, fromDay: string): Promise<KeyUsageDay[]> {
  const db = await lazyFirestore();
  // Day documents are named YYYY-MM-DD, so their ids sort as dates.
  const snapshot = await getDocs(query(collection(db, "teams", teamId, "apiKeyUsage"), where(documentId(), ">=", fromDay)));
  return snapshot.docs.map((doc) => ({ day: doc.id, keys: (doc.data().keys as Record<string, number> | undefined) ?? {} }));
}
