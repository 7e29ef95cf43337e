// The sync engine made visible: configurations (the seed's fields) with "Run now", the run history with
// progress and counts (and its chart), and open conflicts side by side with their resolve buttons.
import { useState } from "react";

import { errorMessage } from "../../api";
import { BarChart } from "../../components/Chart";
import { ConfirmDialog } from "../../components/Dialog";
import { Loading } from "../../components/Loading";
import { formatDate } from "../../dates";
import { type Integration, useIntegrations } from "../../hooks/useIntegrations";
import {
  type SyncConfiguration,
  type SyncConflict,
  type SyncRun,
  useDeleteSyncConfig,
  useResolveSyncConflict,
  useRunSyncNow,
  useSyncConfigurations,
  useSyncConflicts,
  useSyncRuns,
} from "../../hooks/useSync";
import { useTeam } from "../../team";
import { formatFrequency } from "./frequency";
import { SyncConfigDialog } from "./SyncConfigDialog";

const CRM_ENTRIES = ["hubspot", "salesforce"];
const CHART_RUNS = 20;

export default function SyncTab() {
  const { teamId, canWrite } = useTeam();
  const configs = useSyncConfigurations(teamId);
  const integrations = useIntegrations(teamId);
  const [creating, setCreating] = useState(false);
  const names = new Map((integrations.data?.items ?? []).map((item) => [item.id, item.name]));
  const crms = (integrations.data?.items ?? []).filter(
    (item) => item.type === "rest" && CRM_ENTRIES.includes(item.marketplaceId ?? ""),
  );

  return (
    <div className="tab">
      <div className="toolbar">
        <h2>Sync</h2>
        {canWrite && (
          <button type="button" className="primary" onClick={() => setCreating(true)} disabled={crms.length === 0}>
            Create sync configuration
          </button>
        )}
      </div>
      {canWrite && integrations.isSuccess && crms.length === 0 && (
        <p className="hint">Create a HubSpot or Salesforce integration (Integrations tab, marketplace) to sync its contacts.</p>
      )}
      <h3>Configurations</h3>
      {configs.isPending && <Loading label="Loading sync configurations" />}
      {configs.isError && (
        <p role="alert" className="error">
          Could not load the sync configurations: {errorMessage(configs.error)}
        </p>
      )}
      {configs.isSuccess && configs.data.items.length === 0 && <p className="empty">No sync configurations yet.</p>}
      {configs.isSuccess && configs.data.items.length > 0 && (
        <table aria-label="Sync configurations">
          <thead>
            <tr>
              <th scope="col">Integration</th>
              <th scope="col">Enabled</th>
              <th scope="col">Direction</th>
              <th scope="col">Frequency</th>
              <th scope="col">Mappings</th>
              <th scope="col">Last sync</th>
              <th scope="col">Status</th>
              {canWrite && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {configs.data.items.map((config) => (
              <ConfigRow key={config.id} config={config} name={names.get(config.integrationId) ?? config.integrationId} crms={crms} />
            ))}
          </tbody>
        </table>
      )}
      <RunHistory names={names} />
      <Conflicts />
      {creating && <SyncConfigDialog crms={crms} onClose={() => setCreating(false)} />}
    </div>
  );
}

function ConfigRow({ config, name, crms }: { config: SyncConfiguration; name: string; crms: Integration[] }) {
  const { teamId, canWrite } = useTeam();
  const runNow = useRunSyncNow(teamId);
  const remove = useDeleteSyncConfig(teamId);
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const status = config.activeRunId ? "running" : (config.lastRunStatus ?? "never run");
  return (
    <tr aria-label={name}>
      <th scope="row">{name}</th>
      <td>{config.enabled ? "Yes" : "No"}</td>
      <td>{config.syncDirection}</td>
      <td>{formatFrequency(config.frequency)}</td>
      <td>
        {config.fieldMappings.map((mapping) => (
          <div key={mapping.localField} className="muted mapping">
            {mapping.localField} {mapping.bidirectional && config.syncDirection === "bidirectional" ? "⇄" : config.syncDirection === "push" ? "→" : "←"}{" "}
            {mapping.remoteField}
            {mapping.transformer && <code> | {mapping.transformer}</code>}
          </div>
        ))}
      </td>
      <td>{formatDate(config.lastSyncAt)}</td>
      <td>
        <span className={`badge run-${status.replace(" ", "-")}`}>{status}</span>
      </td>
      {canWrite && (
        <td className="actions-cell">
          <button type="button" onClick={() => runNow.mutate(config.id)} disabled={runNow.isPending}>
            Run now
          </button>
          <button type="button" onClick={() => setEditing(true)}>
            Edit
          </button>
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Delete
          </button>
          {runNow.isSuccess && (
            <span role="status" className="muted">
              {runNow.data.created ? "Run queued." : "A run was already going."}
            </span>
          )}
          {runNow.isError && (
            <span role="alert" className="error">
              {errorMessage(runNow.error)}
            </span>
          )}
          {editing && <SyncConfigDialog crms={crms} config={config} onClose={() => setEditing(false)} />}
          {confirming && (
            <ConfirmDialog
              title={`Delete the sync of "${name}"?`}
              message="Contacts stay as they are, here and in the CRM; the links between them are forgotten. This cannot be undone."
              confirmLabel="Delete"
              busy={remove.isPending}
              error={remove.isError ? errorMessage(remove.error) : null}
              onConfirm={() => remove.mutate(config.id, { onSuccess: () => setConfirming(false) })}
              onClose={() => setConfirming(false)}
            />
          )}
        </td>
      )}
    </tr>
  );
}

function counts(run: SyncRun): string {
  return `pulled ${run.pulled}, pushed ${run.pushed}, created ${run.created}, updated ${run.updated}, unchanged ${run.unchanged}, conflicts ${run.conflicts}, failed ${run.failed}`;
}

function RunHistory({ names }: { names: Map<string, string> }) {
  const { teamId } = useTeam();
  const runs = useSyncRuns(teamId);
  const items = runs.data?.items ?? [];
  const charted = items.slice(0, CHART_RUNS).reverse();
  const total = (key: "pulled" | "pushed" | "failed") => charted.reduce((sum, run) => sum + run[key], 0);
  return (
    <>
      <h3>Run history</h3>
      {runs.isPending && <Loading label="Loading runs" />}
      {runs.isError && (
        <p role="alert" className="error">
          Could not load the runs: {errorMessage(runs.error)}
        </p>
      )}
      {runs.isSuccess && items.length === 0 && <p className="empty">No runs yet.</p>}
      {charted.length > 0 && (
        <BarChart
          title="Records per sync run"
          labels={charted.map((run) => new Date(run.createdAt).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" }))}
          series={[
            { name: "pulled", values: charted.map((run) => run.pulled) },
            { name: "pushed", values: charted.map((run) => run.pushed) },
            { name: "failed", values: charted.map((run) => run.failed) },
          ]}
          caption={`The last ${charted.length === 1 ? "run" : `${charted.length} runs`}: ${total("pulled")} records pulled, ${total("pushed")} pushed, ${total("failed")} failed.`}
        />
      )}
      {items.length > 0 && (
        <table aria-label="Sync runs">
          <thead>
            <tr>
              <th scope="col">Integration</th>
              <th scope="col">Status</th>
              <th scope="col">Trigger</th>
              <th scope="col">Counts</th>
              <th scope="col">Started</th>
              <th scope="col">Finished</th>
            </tr>
          </thead>
          <tbody>
            {items.map((run) => (
              <tr key={run.id} aria-label={`Run ${run.id}`}>
                <th scope="row">{names.get(run.integrationId) ?? run.integrationId}</th>
                <td>
                  <span className={`badge run-${run.status}`}>{run.status}</span>
                  {(run.status === "running" || run.status === "queued") && (
                    <div className="progress" role="status">
                      {run.phase}, {run.pages} {run.pages === 1 ? "page" : "pages"} done
                    </div>
                  )}
                  {run.error && <div className="error">{run.error}</div>}
                </td>
                <td>{run.trigger}</td>
                <td className="muted">{counts(run)}</td>
                <td>{formatDate(run.startedAt)}</td>
                <td>{run.finishedAt ? formatDate(run.finishedAt) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function shown(value: unknown): string {
  if (value === null || value === undefined) return "(empty)";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function Conflicts() {
  const { teamId } = useTeam();
  const conflicts = useSyncConflicts(teamId, "open");
  return (
    <>
      <h3>Open conflicts</h3>
      {conflicts.isPending && <Loading label="Loading conflicts" />}
      {conflicts.isError && (
        <p role="alert" className="error">
          Could not load the conflicts: {errorMessage(conflicts.error)}
        </p>
      )}
      {conflicts.isSuccess && conflicts.data.items.length === 0 && <p className="empty">No open conflicts.</p>}
      {conflicts.isSuccess && conflicts.data.items.length > 0 && (
        <table aria-label="Sync conflicts">
          <thead>
            <tr>
              <th scope="col">Contact</th>
              <th scope="col">Field</th>
              <th scope="col">Local value</th>
              <th scope="col">Remote value</th>
              <th scope="col">Last synced</th>
              <th scope="col">Since</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {conflicts.data.items.map((conflict) => (
              <ConflictRow key={conflict.id} conflict={conflict} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function ConflictRow({ conflict }: { conflict: SyncConflict }) {
  const { teamId, canWrite } = useTeam();
  const resolve = useResolveSyncConflict(teamId);
  const label = `Contact ${conflict.contactId}`;
  return (
    <tr aria-label={label}>
      <th scope="row">
        {conflict.contactId}
        <div className="muted">CRM record {conflict.remoteId}</div>
      </th>
      <td>
        {conflict.fields.map((field) => (
          <div key={field.localField}>
            {field.localField} / {field.remoteField}
          </div>
        ))}
      </td>
      <td>
        {conflict.fields.map((field) => (
          <div key={field.localField} className="value">
            {shown(field.localValue)}
          </div>
        ))}
      </td>
      <td>
        {conflict.fields.map((field) => (
          <div key={field.localField} className="value">
            {shown(field.remoteValue)}
          </div>
        ))}
      </td>
      <td>
        {conflict.fields.map((field) => (
          <div key={field.localField} className="value muted">
            {shown(field.baseValue)}
          </div>
        ))}
      </td>
      <td>{formatDate(conflict.createdAt)}</td>
      <td className="actions-cell">
        {canWrite && (
          <>
            <button type="button" onClick={() => resolve.mutate({ conflictId: conflict.id, resolution: "local" })} disabled={resolve.isPending}>
              Keep local
            </button>
            <button type="button" onClick={() => resolve.mutate({ conflictId: conflict.id, resolution: "remote" })} disabled={resolve.isPending}>
              Keep remote
            </button>
          </>
        )}
        {resolve.isError && (
          <span role="alert" className="error">
            {errorMessage(resolve.error)}
          </span>
        )}
      </td>
    </tr>
  );
}
