// OAuth connections: connect a provider (the redirect flow through oauth_start), each connection's
// status live, reconnect when it needs it, refresh, revoke.
import { useState } from "react";

import { errorMessage } from "../../api";
import { ConfirmDialog } from "../../components/Dialog";
import { Loading } from "../../components/Loading";
import { formatDate } from "../../dates";
import {
  type OAuthConnection,
  OAUTH_PROVIDERS,
  type OAuthProvider,
  useOAuthConnections,
  useRefreshOAuthToken,
  useRevokeOAuthToken,
  useStartOAuth,
} from "../../hooks/useOAuth";
import { useTeam } from "../../team";

const PROVIDER_NAMES: Record<OAuthProvider, string> = {
  salesforce: "Salesforce",
  hubspot: "HubSpot",
  slack: "Slack",
  microsoft: "Microsoft",
  google: "Google",
  custom: "Custom",
};

const STATUS_TEXT: Record<OAuthConnection["status"], string> = {
  active: "Connected",
  needs_reauth: "Needs reconnecting",
  revoked: "Revoked",
  exhausted: "Refresh failing: reconnect",
};

/** What oauth_callback sent the browser back with (`?status=connected&oauthId=...`), read once. */
function takeReturnStatus(): string | null {
  const params = new URLSearchParams(window.location.search);
  const status = params.get("status");
  if (!status) return null;
  window.history.replaceState(null, "", `/${window.location.hash}`);
  if (status === "connected") return `Connected ${params.get("oauthId") ?? ""}.`;
  return `The connection was not made: ${params.get("reason") ?? "unknown reason"}.`;
}

export default function ConnectionsTab() {
  const { teamId, canWrite } = useTeam();
  const { connections, error } = useOAuthConnections(teamId);
  const start = useStartOAuth(teamId);
  const [provider, setProvider] = useState<OAuthProvider>("salesforce");
  const [returned] = useState(takeReturnStatus);

  return (
    <div className="tab">
      <div className="toolbar">
        <h2>Connections</h2>
        {canWrite && (
          <div className="row">
            <label>
              Provider
              <select value={provider} onChange={(e) => setProvider(e.target.value as OAuthProvider)}>
                {OAUTH_PROVIDERS.map((option) => (
                  <option key={option} value={option}>
                    {PROVIDER_NAMES[option]}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" className="primary" onClick={() => start.mutate(provider)} disabled={start.isPending}>
              Connect
            </button>
          </div>
        )}
      </div>
      {returned && <p role="status">{returned}</p>}
      {start.isError && (
        <p role="alert" className="error">
          Could not start connecting: {errorMessage(start.error)}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          Could not load the connections: {error}
        </p>
      )}
      {!connections && !error && <Loading label="Loading connections" />}
      {connections?.length === 0 && <p className="empty">No connections yet.</p>}
      {connections && connections.length > 0 && (
        <table aria-label="Connections">
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">User</th>
              <th scope="col">Status</th>
              <th scope="col">Token</th>
              <th scope="col">Scopes</th>
              <th scope="col">Expires</th>
              <th scope="col">Last refreshed</th>
              {canWrite && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {connections.map((connection) => (
              <ConnectionRow key={connection.id} connection={connection} canWrite={canWrite} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function ConnectionRow({ connection, canWrite }: { connection: OAuthConnection; canWrite: boolean }) {
  const { teamId } = useTeam();
  const start = useStartOAuth(teamId);
  const refresh = useRefreshOAuthToken(teamId, connection.id);
  const revoke = useRevokeOAuthToken(teamId);
  const [confirming, setConfirming] = useState(false);
  const name = `${PROVIDER_NAMES[connection.provider]} ${connection.userId}`;
  const broken = connection.status !== "active";
  const failure = start.error ?? refresh.error;

  return (
    <tr aria-label={name}>
      <th scope="row">{PROVIDER_NAMES[connection.provider]}</th>
      <td>{connection.userId}</td>
      <td>
        <span className={`dot ${broken ? "red" : "green"}`} aria-hidden="true" /> {STATUS_TEXT[connection.status]}
        {connection.lastError && <div className="muted">{connection.lastError}</div>}
      </td>
      <td>
        <code>{connection.accessToken ?? "—"}</code>
      </td>
      <td className="scopes">
        {connection.scopes.map((scope) => (
          <span key={scope} className="chip">
            {scope}
          </span>
        ))}
      </td>
      <td>{formatDate(connection.expiresAt)}</td>
      <td>{formatDate(connection.lastRefreshedAt)}</td>
      {canWrite && (
        <td className="actions-cell">
          {broken && connection.provider !== "custom" && (
            <button type="button" className="primary" onClick={() => start.mutate(connection.provider)}>
              Reconnect
            </button>
          )}
          {connection.status === "active" && connection.hasRefreshToken && (
            <button type="button" onClick={() => refresh.mutate()} disabled={refresh.isPending}>
              Refresh
            </button>
          )}
          {connection.status !== "revoked" && (
            <button type="button" className="danger" onClick={() => setConfirming(true)}>
              Revoke
            </button>
          )}
          {failure && (
            <span role="alert" className="error">
              {errorMessage(failure)}
            </span>
          )}
          {confirming && (
            <ConfirmDialog
              title={`Revoke the ${name} connection?`}
              message="The provider is told where it can be, the tokens are deleted, and integrations using this connection stop working until it is reconnected."
              confirmLabel="Revoke"
              busy={revoke.isPending}
              error={revoke.isError ? errorMessage(revoke.error) : null}
              onConfirm={() => revoke.mutate(connection.id, { onSuccess: () => setConfirming(false) })}
              onClose={() => setConfirming(false)}
            />
          )}
        </td>
      )}
    </tr>
  );
}
