import { errorMessage } from "../../api";
import { LineChart } from "../../components/Chart";
import { Loading } from "../../components/Loading";
import { formatDate } from "../../dates";
import type { Integration } from "../../hooks/useIntegrations";
import { type RequestLog, useIntegrationRequestLogs } from "../../hooks/useIntegrationRequestLogs";
import { useTeam } from "../../team";

export function RequestLogTable({ integration }: { integration: Integration }) {
  const { teamId } = useTeam();
  const logs = useIntegrationRequestLogs(teamId, integration.id);
  const title = `Request log of ${integration.name}`;
  return (
    <section className="request-log" aria-label={title}>
      <h3>
        {title} <span className="live">live</span>
      </h3>
      {logs.isPending && <Loading label="Loading the request log" />}
      {logs.isError && (
        <p role="alert" className="error">
          {errorMessage(logs.error)}
        </p>
      )}
      {logs.isSuccess && logs.data.length === 0 && <p className="empty">No requests yet.</p>}
      {logs.isSuccess && logs.data.length > 0 && <LatencyChart logs={logs.data} name={integration.name} />}
      {logs.isSuccess && logs.data.length > 0 && (
        <table aria-label={title}>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Method</th>
              <th scope="col">Endpoint</th>
              <th scope="col">Status</th>
              <th scope="col">Duration</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {logs.data.map((log) => (
              <tr key={log.id}>
                <td>{formatDate(log.timestamp)}</td>
                <td>{log.method}</td>
                <td className="endpoint">{log.endpoint}</td>
                <td>{log.statusCode ?? "—"}</td>
                <td>{Math.round(log.duration)} ms</td>
                <td className={log.success ? "ok" : "error"}>{log.success ? "OK" : (log.error ?? "failed")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Each request's duration, oldest to newest (the log is newest first). */
function LatencyChart({ logs, name }: { logs: RequestLog[]; name: string }) {
  const ordered = [...logs].reverse();
  const durations = ordered.map((log) => log.duration);
  const sorted = [...durations].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  return (
    <LineChart
      title={`Request latency of ${name}`}
      labels={ordered.map((log) => new Date(log.timestamp).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" }))}
      series={[{ name: "duration", values: durations }]}
      unit=" ms"
      caption={`${logs.length} requests: median ${Math.round(median)} ms, slowest ${Math.round(sorted[sorted.length - 1] ?? 0)} ms, ${logs.filter((log) => !log.success).length} failed.`}
    />
  );
}
