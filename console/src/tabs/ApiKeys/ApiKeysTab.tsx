// The seed's APIKeyManager: the team's keys, created with scopes, shown once, enabled, deleted.
import { useState } from "react";

import { errorMessage } from "../../api";
import { ConfirmDialog } from "../../components/Dialog";
import { Loading } from "../../components/Loading";
import { daysUntil, formatDate } from "../../dates";
import { type APIKey, useAPIKeys, useDeleteAPIKey, useUpdateAPIKey } from "../../hooks/useAPIKeys";
import { useTeam } from "../../team";
import { CreateKeyDialog } from "./CreateKeyDialog";
import { UsageChart } from "./UsageChart";

const WARN_DAYS = 7;

export default function ApiKeysTab() {
  const { teamId, canWrite } = useTeam();
  const keys = useAPIKeys(teamId);
  const [creating, setCreating] = useState(false);

  return (
    <div className="tab">
      <div className="toolbar">
        <h2>API Keys</h2>
        {canWrite && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create API key
          </button>
        )}
      </div>
      {keys.isPending && <Loading label="Loading API keys" />}
      {keys.isError && (
        <p role="alert" className="error">
          Could not load the keys: {errorMessage(keys.error)}
        </p>
      )}
      {keys.isSuccess && keys.data.items.length === 0 && <p className="empty">No API keys yet.</p>}
      {keys.isSuccess && keys.data.items.length > 0 && (
        <table aria-label="API keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Scopes</th>
              <th scope="col">Rate limit</th>
              <th scope="col">Usage</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">Enabled</th>
              {canWrite && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {keys.data.items.map((key) => (
              <KeyRow key={key.id} apiKey={key} canWrite={canWrite} />
            ))}
          </tbody>
        </table>
      )}
      {keys.isSuccess && <UsageChart keys={keys.data.items} />}
      {creating && <CreateKeyDialog onClose={() => setCreating(false)} />}
    </div>
  );
}

function Expiry({ expiresAt }: { expiresAt: string }) {
  const days = daysUntil(expiresAt);
  if (days <= 0) return <span className="badge expired">Expired {formatDate(expiresAt)}</span>;
  if (days <= WARN_DAYS)
    return (
      <span className="badge warning" title={formatDate(expiresAt)}>
        Expires in {days} {days === 1 ? "day" : "days"}
      </span>
    );
  return <>{formatDate(expiresAt)}</>;
}

function KeyRow({ apiKey, canWrite }: { apiKey: APIKey; canWrite: boolean }) {
  const { teamId } = useTeam();
  const update = useUpdateAPIKey(teamId);
  const remove = useDeleteAPIKey(teamId);
  const [confirming, setConfirming] = useState(false);
  // The switch shows what was asked for while the change is on its way.
  const [asked, setAsked] = useState<boolean | null>(null);
  const expired = daysUntil(apiKey.expiresAt) <= 0;

  return (
    <tr className={expired ? "expired" : undefined} aria-label={apiKey.name}>
      <th scope="row">{apiKey.name}</th>
      <td>
        <code>{apiKey.key}</code>
      </td>
      <td className="scopes">
        {apiKey.scopes.map((scope) => (
          <span key={scope} className="chip">
            {scope}
          </span>
        ))}
      </td>
      <td>{apiKey.rateLimit ? `${apiKey.rateLimit.requests} per ${apiKey.rateLimit.window / 1000} s` : "none"}</td>
      <td>{apiKey.usageCount}</td>
      <td>{formatDate(apiKey.lastUsed)}</td>
      <td>
        <Expiry expiresAt={apiKey.expiresAt} />
      </td>
      <td>
        {canWrite ? (
          <label className="switch">
            <input
              type="checkbox"
              checked={asked ?? apiKey.enabled}
              disabled={update.isPending}
              aria-label={`Enabled: ${apiKey.name}`}
              onChange={(event) => {
                setAsked(event.target.checked);
                update.mutate({ keyId: apiKey.id, enabled: event.target.checked }, { onSettled: () => setAsked(null) });
              }}
            />
            {(asked ?? apiKey.enabled) ? "On" : "Off"}
          </label>
        ) : apiKey.enabled ? (
          "Yes"
        ) : (
          "No"
        )}
        {update.isError && (
          <span role="alert" className="error">
            {errorMessage(update.error)}
          </span>
        )}
      </td>
      {canWrite && (
        <td>
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Delete
          </button>
          {confirming && (
            <ConfirmDialog
              title={`Delete API key "${apiKey.name}"?`}
              message="Programs using this key are refused from now on (within 10 seconds everywhere). This cannot be undone."
              confirmLabel="Delete"
              busy={remove.isPending}
              error={remove.isError ? errorMessage(remove.error) : null}
              onConfirm={() => remove.mutate(apiKey.id, { onSuccess: () => setConfirming(false) })}
              onClose={() => setConfirming(false)}
            />
          )}
        </td>
      )}
    </tr>
  );
}
