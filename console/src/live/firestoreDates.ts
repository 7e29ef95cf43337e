import type { Timestamp } from "firebase/firestore";

/** A stored timestamp as the callables answer it: ISO-8601 text, or null. */
export function isoOrNull(value: unknown): string | null {
  return value ? (value as Timestamp).toDate().toISOString() : null;
}
