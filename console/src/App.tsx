import { type KeyboardEvent, lazy, Suspense, useEffect, useMemo, useRef, useState } from "react";

import { errorMessage } from "./api";
import { SignIn, signOutNow, useUser } from "./auth";
import { Loading } from "./components/Loading";
import { useTeams } from "./hooks/useTeams";
import { TeamContext } from "./team";

// One chunk per tab: the first screen loads only the shell and the tab it shows.
const TABS = [
  { name: "Integrations", slug: "integrations", Component: lazy(() => import("./tabs/Integrations/IntegrationsTab")) },
  { name: "API Keys", slug: "api-keys", Component: lazy(() => import("./tabs/ApiKeys/ApiKeysTab")) },
  { name: "Connections", slug: "connections", Component: lazy(() => import("./tabs/Connections/ConnectionsTab")) },
  { name: "Sync", slug: "sync", Component: lazy(() => import("./tabs/Sync/SyncTab")) },
  { name: "Webhooks", slug: "webhooks", Component: lazy(() => import("./tabs/Webhooks/WebhooksTab")) },
  { name: "API", slug: "api", Component: lazy(() => import("./tabs/Api/ApiTab")) },
] as const;

const TEAM_STORAGE_KEY = "console.teamId";

export function App() {
  const user = useUser();
  if (user === undefined) return <Loading label="Starting" />;
  if (user === null) return <SignIn />;
  return <SignedIn uid={user.uid} email={user.email ?? user.uid} />;
}

function SignedIn({ uid, email }: { uid: string; email: string }) {
  const teams = useTeams(uid);
  const [chosen, setChosen] = useState<string | null>(() => localStorage.getItem(TEAM_STORAGE_KEY));
  const memberships = teams.data?.items ?? [];
  const membership = memberships.find((team) => team.teamId === chosen) ?? memberships[0];
  const context = useMemo(
    () =>
      membership && {
        teamId: membership.teamId,
        role: membership.role,
        canWrite: membership.role === "admin" || membership.role === "owner",
      },
    [membership],
  );

  function choose(teamId: string) {
    localStorage.setItem(TEAM_STORAGE_KEY, teamId);
    setChosen(teamId);
  }

  return (
    <div className="shell">
      <header className="top">
        <h1>Integrations</h1>
        {memberships.length > 1 && (
          <label className="team-picker">
            Team
            <select value={membership?.teamId} onChange={(event) => choose(event.target.value)}>
              {memberships.map((team) => (
                <option key={team.teamId} value={team.teamId}>
                  {team.name} ({team.role})
                </option>
              ))}
            </select>
          </label>
        )}
        {memberships.length === 1 && membership && (
          <span className="team-name">
            {membership.name} ({membership.role})
          </span>
        )}
        <span className="who">{email}</span>
        <button type="button" onClick={() => void signOutNow()}>
          Sign out
        </button>
      </header>
      {teams.isPending && <Loading label="Loading your teams" />}
      {teams.isError && (
        <p role="alert" className="error">
          Could not load your teams: {errorMessage(teams.error)}
        </p>
      )}
      {teams.isSuccess && !context && (
        <p className="empty">You are not a member of any team yet. Ask a team owner to add {email}.</p>
      )}
      {context && (
        <TeamContext.Provider value={context}>
          {/* Remounted per team: no state of one team's forms leaks into another's. */}
          <Tabs key={context.teamId} />
        </TeamContext.Provider>
      )}
    </div>
  );
}

function tabFromHash(): number {
  // oauth_callback sends the browser back to `/?status=...`: the Connections tab reads it.
  if (new URLSearchParams(window.location.search).has("status")) return TABS.findIndex((tab) => tab.slug === "connections");
  const index = TABS.findIndex((tab) => `#${tab.slug}` === window.location.hash);
  return index < 0 ? 0 : index;
}

function Tabs() {
  const [active, setActive] = useState(tabFromHash);
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);

  useEffect(() => {
    const follow = () => setActive(tabFromHash());
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, []);

  function select(index: number) {
    setActive(index);
    window.history.replaceState(null, "", `#${TABS[index]!.slug}`);
  }

  // The ARIA tabs pattern: arrows move between tabs, Tab moves into the panel.
  function onKeyDown(event: KeyboardEvent) {
    const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1 };
    const move = moves[event.key];
    let next: number | undefined;
    if (move !== undefined) next = (active + move + TABS.length) % TABS.length;
    if (event.key === "Home") next = 0;
    if (event.key === "End") next = TABS.length - 1;
    if (next === undefined) return;
    event.preventDefault();
    select(next);
    buttons.current[next]?.focus();
  }

  const { Component } = TABS[active]!;
  return (
    <>
      <nav role="tablist" aria-label="Settings" onKeyDown={onKeyDown} className="tabs">
        {TABS.map((tab, index) => (
          <button
            key={tab.slug}
            ref={(element) => {
              buttons.current[index] = element;
            }}
            type="button"
            role="tab"
            id={`tab-${tab.slug}`}
            aria-selected={index === active}
            aria-controls={`panel-${tab.slug}`}
            tabIndex={index === active ? 0 : -1}
            onClick={() => select(index)}
          >
            {tab.name}
          </button>
        ))}
      </nav>
      <section role="tabpanel" id={`panel-${TABS[active]!.slug}`} aria-labelledby={`tab-${TABS[active]!.slug}`}>
        <Suspense fallback={<Loading label={`Loading ${TABS[active]!.name}`} />}>
          <Component />
        </Suspense>
      </section>
    </>
  );
}
