// The seed keeps `frequency` in milliseconds; people think in minutes, hours and days.
export const UNITS = [
  { name: "minutes", ms: 60_000 },
  { name: "hours", ms: 3_600_000 },
  { name: "days", ms: 86_400_000 },
] as const;
export type Unit = (typeof UNITS)[number]["name"];

/** The largest unit that divides `ms` evenly: 3600000 is 1 hours, 5400000 is 90 minutes. */
export function splitFrequency(ms: number): { amount: number; unit: Unit } {
  const unit = [...UNITS].reverse().find((candidate) => ms % candidate.ms === 0) ?? UNITS[0];
  return { amount: ms / unit.ms, unit: unit.name };
}

export function formatFrequency(ms: number): string {
  const { amount, unit } = splitFrequency(ms);
  return `every ${amount} ${amount === 1 ? unit.slice(0, -1) : unit}`;
}

export function toMilliseconds(amount: number, unit: Unit): number {
  return amount * UNITS.find((candidate) => candidate.name === unit)!.ms;
}
