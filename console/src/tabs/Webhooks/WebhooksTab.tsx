// Outgoing webhooks: every delivery with its attempts, retry, and each webhook integration's signing
// secret rotation (the new secret shown once; the old one signs too for 24 h).
import { useState } from "react";

import { errorMessage } from "../../api";
import { LineChart } from "../../components/Chart";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { Loading } from "../../components/Loading";
import { SecretOnce } from "../../components/SecretOnce";
import { formatDate } from "../../dates";
import { type Delivery, type DeliveryStatus, type RotatedSecret, useDeliveries, useRetryDelivery, useRotateSigningSecret } from "../../hooks/useDeliveries";
import { type Integration, useIntegrations } from "../../hooks/useIntegrations";
import { useTeam } from "../../team";

const STATUSES: DeliveryStatus[] = ["pending", "retrying", "succeeded", "failed", "cancelled"];

export default function WebhooksTab() {
  const { teamId } = useTeam();
  const [status, setStatus] = useState<DeliveryStatus | "">("");
  const deliveries = useDeliveries(teamId, status || undefined);
  const integrations = useIntegrations(teamId);
  const names = new Map((integrations.data?.items ?? []).map((item) => [item.id, item.name]));
  const webhooks = (integrations.data?.items ?? []).filter((item) => item.type === "webhook");

  return (
    <div className="tab">
      <div className="toolbar">
        <h2>Webhooks</h2>
        <label>
          Delivery status
          <select value={status} onChange={(e) => setStatus(e.target.value as DeliveryStatus | "")}>
            <option value="">all</option>
            {STATUSES.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </label>
      </div>
      <h3>Deliveries</h3>
      {deliveries.isPending && <Loading label="Loading deliveries" />}
      {deliveries.isError && (
        <p role="alert" className="error">
          Could not load the deliveries: {errorMessage(deliveries.error)}
        </p>
      )}
      {deliveries.isSuccess && deliveries.data.items.length === 0 && <p className="empty">No deliveries yet.</p>}
      {deliveries.isSuccess && deliveries.data.items.length > 0 && <SuccessRateChart deliveries={deliveries.data.items} />}
      {deliveries.isSuccess && deliveries.data.items.length > 0 && (
        <table aria-label="Deliveries">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">To</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Next attempt</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.items.map((delivery) => (
              <DeliveryRow
                key={delivery.id}
                delivery={delivery}
                to={names.get(delivery.integrationId ?? "") ?? delivery.subscriberKind}
              />
            ))}
          </tbody>
        </table>
      )}
      <h3>Signing secrets</h3>
      {webhooks.length === 0 && integrations.isSuccess && <p className="empty">No webhook integrations.</p>}
      {webhooks.length > 0 && (
        <table aria-label="Signing secrets">
          <thead>
            <tr>
              <th scope="col">Integration</th>
              <th scope="col">Previous secret valid until</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {webhooks.map((integration) => (
              <SecretRow key={integration.id} integration={integration} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function DeliveryRow({ delivery, to }: { delivery: Delivery; to: string }) {
  const { teamId, canWrite } = useTeam();
  const retry = useRetryDelivery(teamId);
  const last = delivery.lastStatusCode ? `HTTP ${delivery.lastStatusCode}` : (delivery.lastError ?? "—");
  return (
    <tr aria-label={`${delivery.eventType} to ${to}`}>
      <th scope="row">{delivery.eventType}</th>
      <td>{to}</td>
      <td>
        <span className={`badge status-${delivery.status}`}>{delivery.status}</span>
      </td>
      <td>
        <details>
          <summary>{delivery.attemptCount}</summary>
          {delivery.attempts.length < delivery.attemptCount && (
            <p className="muted">
              the latest {delivery.attempts.length} of {delivery.attemptCount}
            </p>
          )}
          <ol className="attempts">
            {delivery.attempts.map((attempt) => (
              <li key={attempt.attempt} value={attempt.attempt}>
                {formatDate(attempt.at)}: {attempt.statusCode ? `HTTP ${attempt.statusCode}` : (attempt.error ?? "no answer")}{" "}
                in {Math.round(attempt.durationMs)} ms
              </li>
            ))}
          </ol>
        </details>
      </td>
      <td>{last}</td>
      <td>{delivery.nextAttemptAt ? formatDate(delivery.nextAttemptAt) : "—"}</td>
      <td>{formatDate(delivery.createdAt)}</td>
      <td>
        {canWrite && delivery.status !== "succeeded" && (
          <button type="button" onClick={() => retry.mutate(delivery.id)} disabled={retry.isPending}>
            Retry
          </button>
        )}
        {retry.isError && (
          <span role="alert" className="error">
            {errorMessage(retry.error)}
          </span>
        )}
      </td>
    </tr>
  );
}

function SecretRow({ integration }: { integration: Integration }) {
  const { teamId, canWrite } = useTeam();
  const rotate = useRotateSigningSecret(teamId);
  const [confirming, setConfirming] = useState(false);
  const [rotated, setRotated] = useState<RotatedSecret | null>(null);
  return (
    <tr aria-label={integration.name}>
      <th scope="row">{integration.name}</th>
      <td>{integration.previousSecretExpiresAt ? formatDate(integration.previousSecretExpiresAt) : "—"}</td>
      <td>
        {canWrite && (
          <button type="button" onClick={() => setConfirming(true)}>
            Rotate signing secret
          </button>
        )}
        {confirming && (
          <ConfirmDialog
            title={`Rotate the signing secret of "${integration.name}"?`}
            message="A new secret signs every delivery from now on; the current one keeps signing too for 24 hours, so receivers can switch."
            confirmLabel="Rotate"
            busy={rotate.isPending}
            error={rotate.isError ? errorMessage(rotate.error) : null}
            onConfirm={() =>
              rotate.mutate(integration.id, {
                onSuccess: (answer) => {
                  setConfirming(false);
                  setRotated(answer);
                },
              })
            }
            onClose={() => setConfirming(false)}
          />
        )}
        {rotated && (
          <Dialog title="New signing secret" onClose={() => setRotated(null)}>
            <p>
              The previous secret keeps signing until {formatDate(rotated.previousSecretExpiresAt)}. This one is not
              shown again.
            </p>
            <SecretOnce label="New signing secret" value={rotated.signingSecret} />
            <div className="actions">
              <button type="button" className="primary" onClick={() => setRotated(null)}>
                Done
              </button>
            </div>
          </Dialog>
        )}
      </td>
    </tr>
  );
}

/** Per day (of creation), the share of finished deliveries that succeeded; pending and retrying ones
 * have no outcome yet and are left out. */
function SuccessRateChart({ deliveries }: { deliveries: Delivery[] }) {
  const perDay = new Map<string, { succeeded: number; finished: number }>();
  for (const delivery of deliveries) {
    if (delivery.status === "pending" || delivery.status === "retrying") continue;
    const day = delivery.createdAt.slice(0, 10);
    const entry = perDay.get(day) ?? { succeeded: 0, finished: 0 };
    entry.finished += 1;
    if (delivery.status === "succeeded") entry.succeeded += 1;
    perDay.set(day, entry);
  }
  const days = [...perDay.keys()].sort();
  if (days.length === 0) return null;
  const succeeded = days.reduce((sum, day) => sum + perDay.get(day)!.succeeded, 0);
  const finished = days.reduce((sum, day) => sum + perDay.get(day)!.finished, 0);
  return (
    <LineChart
      title="Delivery success rate per day"
      labels={days.map((day) => day.slice(5))}
      series={[{ name: "succeeded", values: days.map((day) => (100 * perDay.get(day)!.succeeded) / perDay.get(day)!.finished) }]}
      unit="%"
      max={100}
      caption={`${succeeded} of ${finished} finished deliveries succeeded (${Math.round((100 * succeeded) / finished)}%) over ${days.length} ${days.length === 1 ? "day" : "days"}, of the latest ${deliveries.length} shown.`}
    />
  );
}
