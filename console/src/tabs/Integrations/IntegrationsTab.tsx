// The seed's IntegrationManager: status dots, a colour per type, create from a type or a marketplace
// entry, edit, test, delete, and each integration's request log, live.
import { useState } from "react";

import { errorMessage } from "../../api";
import { ConfirmDialog } from "../../components/Dialog";
import { Loading } from "../../components/Loading";
import { formatDate } from "../../dates";
import { type Integration, type TestResult, useDeleteIntegration, useIntegrations, useTestIntegration } from "../../hooks/useIntegrations";
import { useTeam } from "../../team";
import { CreateIntegrationDialog, EditIntegrationDialog } from "./IntegrationDialogs";
import { RequestLogTable } from "./RequestLogTable";

export const TYPE_LABELS: Record<Integration["type"], string> = {
  zapier: "Zapier",
  slack: "Slack",
  rest: "REST API",
  graphql: "GraphQL",
  webhook: "Webhook",
};

export default function IntegrationsTab() {
  const { teamId, canWrite } = useTeam();
  const integrations = useIntegrations(teamId);
  const [creating, setCreating] = useState(false);
  const [logsOf, setLogsOf] = useState<Integration | null>(null);

  return (
    <div className="tab">
      <div className="toolbar">
        <h2>Integrations</h2>
        {canWrite && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create integration
          </button>
        )}
      </div>
      {integrations.isPending && <Loading label="Loading integrations" />}
      {integrations.isError && (
        <p role="alert" className="error">
          Could not load the integrations: {errorMessage(integrations.error)}
        </p>
      )}
      {integrations.isSuccess && integrations.data.items.length === 0 && <p className="empty">No integrations yet.</p>}
      {integrations.isSuccess && integrations.data.items.length > 0 && (
        <table aria-label="Integrations">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Last test</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {integrations.data.items.map((integration) => (
              <IntegrationRow
                key={integration.id}
                integration={integration}
                canWrite={canWrite}
                showingLogs={logsOf?.id === integration.id}
                onLogs={() => setLogsOf(logsOf?.id === integration.id ? null : integration)}
              />
            ))}
          </tbody>
        </table>
      )}
      {logsOf && <RequestLogTable integration={logsOf} />}
      {creating && <CreateIntegrationDialog onClose={() => setCreating(false)} />}
    </div>
  );
}

function TestOutcome({ result }: { result: TestResult | null | undefined }) {
  if (!result) return <span className="muted">not tested</span>;
  const detail = [result.statusCode ? `HTTP ${result.statusCode}` : null, `${Math.round(result.durationMs)} ms`]
    .filter(Boolean)
    .join(", ");
  return (
    <span className={result.success ? "ok" : "error"}>
      {result.success ? "Passed" : "Failed"}: {result.message} ({detail})
    </span>
  );
}

function IntegrationRow({
  integration,
  canWrite,
  showingLogs,
  onLogs,
}: {
  integration: Integration;
  canWrite: boolean;
  showingLogs: boolean;
  onLogs: () => void;
}) {
  const { teamId } = useTeam();
  const test = useTestIntegration(teamId, integration.id);
  const remove = useDeleteIntegration(teamId);
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const healthy = integration.enabled && integration.status === "active";
  const status = integration.enabled ? integration.status : "disabled";

  return (
    <tr aria-label={integration.name}>
      <td>
        <span className={`dot ${healthy ? "green" : "red"}`} role="img" aria-label={`Status: ${status}`} />
      </td>
      <th scope="row">
        {integration.name}
        {integration.description && <div className="muted">{integration.description}</div>}
      </th>
      <td>
        <span className={`badge type-${integration.type}`}>{TYPE_LABELS[integration.type]}</span>
      </td>
      <td>
        {test.isPending ? (
          <Loading label="Testing" />
        ) : test.isError ? (
          <span role="alert" className="error">
            {errorMessage(test.error)}
          </span>
        ) : (
          <span role="status">
            <TestOutcome result={test.data ?? integration.lastTestResult} />
            {!test.data && integration.lastTestedAt && <div className="muted">{formatDate(integration.lastTestedAt)}</div>}
          </span>
        )}
      </td>
      <td className="actions-cell">
        {canWrite && (
          <button type="button" onClick={() => test.mutate()} disabled={test.isPending}>
            Test
          </button>
        )}
        {canWrite && (
          <button type="button" onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
        <button type="button" onClick={onLogs} aria-pressed={showingLogs}>
          Request log
        </button>
        {canWrite && (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
        {editing && <EditIntegrationDialog integration={integration} onClose={() => setEditing(false)} />}
        {confirming && (
          <ConfirmDialog
            title={`Delete integration "${integration.name}"?`}
            message="Its secrets, sync configurations and event subscriptions are removed with it. This cannot be undone."
            confirmLabel="Delete"
            busy={remove.isPending}
            error={remove.isError ? errorMessage(remove.error) : null}
            onConfirm={() => remove.mutate(integration.id, { onSuccess: () => setConfirming(false) })}
            onClose={() => setConfirming(false)}
          />
        )}
      </td>
    </tr>
  );
}
