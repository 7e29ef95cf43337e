// One way to call the product's callables, and what their errors mean to a form.
import { FirebaseError } from "firebase/app";
import { httpsCallable } from "firebase/functions";

import { firebase } from "./firebase";

export async function call<Input, Output>(name: string, data: Input): Promise<Output> {
  const { functions } = await firebase();
  const answer = await httpsCallable<Input, Output>(functions, name)(data);
  return answer.data;
}

/** A page of a list callable. */
export interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

interface ErrorDetails {
  field?: string;
  reason?: string;
  line?: number;
  column?: number;
}

function detailsOf(error: unknown): ErrorDetails | undefined {
  if (!(error instanceof FirebaseError)) return undefined;
  const details = (error as FirebaseError & { details?: unknown }).details;
  return details && typeof details === "object" ? (details as ErrorDetails) : undefined;
}

/** The field an `invalid-argument` (or `not-found`) error names, e.g. `scopes` or `rateLimit.requests`. */
export function errorField(error: unknown): string | undefined {
  return detailsOf(error)?.field;
}

/** Words for a person: the reason when the error names one, its message otherwise. */
export function errorMessage(error: unknown): string {
  const details = detailsOf(error);
  if (details?.reason) return details.reason;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Where in a text field the error is (graphql_schema_set's SDL errors carry `line` and `column`). */
export function errorPlace(error: unknown): { line: number; column: number } | undefined {
  const details = detailsOf(error);
  return details?.line && details.column ? { line: details.line, column: details.column } : undefined;
}
