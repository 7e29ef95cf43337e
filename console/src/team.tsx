import { createContext, useContext } from "react";

import type { Role } from "./hooks/useTeams";

export interface TeamContextValue {
  teamId: string;
  role: Role;
  /** Admins and owners change things; members see everything read-only. */
  canWrite: boolean;
}

export const TeamContext = createContext<TeamContextValue | null>(null);

export function useTeam(): TeamContextValue {
  const team = useContext(TeamContext);
  if (!team) throw new Error("useTeam outside a team");
  return team;
}
