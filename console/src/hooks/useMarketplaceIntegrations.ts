import { useQuery } from "@tanstack/react-query";

import { call } from "../api";
import { CACHE } from "./cacheTimes";
import type { IntegrationType } from "./useIntegrations";

/** A JSON Schema (2020-12), as much of it as the generated forms read. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: (string | number)[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  description?: string;
  writeOnly?: boolean;
  default?: unknown;
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
}

export interface MarketplaceItem {
  id: string;
  name: string;
  type: IntegrationType;
  category: string;
  description: string;
  authKind: string;
  oauthProvider?: string | null;
  configSchema: JsonSchema;
  docsUrl: string;
}

/** The marketplace catalogue (1 h cache: it changes with a deploy). */
export function useMarketplaceIntegrations(enabled = true) {
  return useQuery({
    queryKey: ["marketplace"],
    queryFn: () => call<Record<string, never>, { items: MarketplaceItem[] }>("marketplace_list", {}),
    enabled,
    ...CACHE.marketplace,
  });
}
