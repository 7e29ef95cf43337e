// The GraphQL schema's versions, read from Firestore (no list callable); loaded lazily with Firestore.
import { collection, getDocs, limit, orderBy, query } from "firebase/firestore";

import { lazyFirestore } from "../firebase";
import type { GraphQLSchemaVersion } from "../hooks/usePublicApi";
import { isoOrNull } from "./firestoreDates";

const VERSIONS_SHOWN = 20;

export async function readSchemaVersions(teamId: string): Promise<GraphQLSchemaVersion[]> {
  const db = await lazyFirestore();
  const snapshot = await getDocs(
    query(collection(db, "teams", teamId, "graphqlSchemas"), orderBy("createdAt", "desc"), limit(VERSIONS_SHOWN)),
  );
  return snapshot.docs.map((doc) => {
    const data = doc.data();
    return {
      id: doc.id,
      createdAt: isoOrNull(data.createdAt) ?? "",
      createdBy: (data.createdBy as string | null | undefined) ?? null,
      introspection: Boolean(data.introspection),
      complexityLimit: (data.complexityLimit as number | null | undefined) ?? null,
      depthLimit: (data.depthLimit as number | null | undefined) ?? null,
      typeCount: ((data.typeDefs as string | undefined) ?? "").match(/^\s*type\s+\w+/gm)?.length ?? 0,
    };
  });
}
