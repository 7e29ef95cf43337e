import { useQuery } from "@tanstack/react-query";

import { call } from "../api";
import { CACHE } from "./cacheTimes";

export type Role = "owner" | "admin" | "member";

export interface TeamMembership {
  teamId: string;
  name: string;
  role: Role;
}

/** The signed-in user's teams and role in each (`teams_list`). */
export function useTeams(uid: string | undefined) {
  return useQuery({
    queryKey: ["teams", uid],
    queryFn: () => call<Record<string, never>, { items: TeamMembership[] }>("teams_list", {}),
    enabled: Boolean(uid),
    ...CACHE.teams,
  });
}
