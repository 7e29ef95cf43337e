import { BarChart } from "../../components/Chart";
import { type APIKey, useAPIKeyUsage } from "../../hooks/useAPIKeys";
import { useTeam } from "../../team";

const DAYS = 30;
const DAY = 86_400_000;

/** Validations per key per day over the last 30 UTC days, stacked by key. */
export function UsageChart({ keys }: { keys: APIKey[] }) {
  const { teamId } = useTeam();
  const usage = useAPIKeyUsage(teamId, DAYS);
  if (!usage.isSuccess) return null;
  const days = Array.from({ length: DAYS }, (_, index) => new Date(Date.now() - (DAYS - 1 - index) * DAY).toISOString().slice(0, 10));
  const byDay = new Map(usage.data.map((entry) => [entry.day, entry.keys]));
  const names = new Map(keys.map((key) => [key.id, key.name]));
  const keyIds = [...new Set(usage.data.flatMap((entry) => Object.keys(entry.keys)))];
  const series = keyIds
    .map((keyId) => ({
      name: names.get(keyId) ?? "a deleted key",
      values: days.map((day) => byDay.get(day)?.[keyId] ?? 0),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const total = series.reduce((sum, item) => sum + item.values.reduce((a, b) => a + b, 0), 0);
  const perKey = series
    .map((item) => `${item.name} ${item.values.reduce((a, b) => a + b, 0)}`)
    .join(", ");
  return (
    <BarChart
      title="Validations per key per day, last 30 days"
      labels={days.map((day) => day.slice(5))}
      series={series}
      caption={total === 0 ? "No validations in the last 30 days." : `${total} validations in the last 30 days: ${perKey}.`}
    />
  );
}
