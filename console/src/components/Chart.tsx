// Hand-made SVG charts: a stacked bar chart and a line chart, about 1 kB gzipped where a chart library
// would be 30-100 kB. Each is a <figure>: the SVG is an image named by the title, and the caption is its
// text alternative (the totals), so a screen reader gets the numbers without the picture.
import type { ReactNode } from "react";

export interface Series {
  name: string;
  values: number[];
}

const WIDTH = 640;
const HEIGHT = 180;
const LEFT = 44;
const BOTTOM = 22;
const TOP = 8;
const PALETTE_SIZE = 8;

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * magnitude).find((candidate) => candidate >= value) ?? value;
}

/** The x labels to print: at most 8, evenly spaced, so they never overlap. */
function shownLabels(labels: string[]): Set<number> {
  const every = Math.max(1, Math.ceil(labels.length / 8));
  const last = labels.length - 1;
  // The last label too when it does not crowd the one before it.
  return new Set(labels.map((_, index) => index).filter((index) => index % every === 0 || (index === last && last % every > every / 2)));
}

function Frame({
  title,
  caption,
  labels,
  max,
  unit,
  series,
  children,
}: {
  title: string;
  caption: ReactNode;
  labels: string[];
  max: number;
  unit: string;
  series: Series[];
  children: ReactNode;
}) {
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const plotWidth = WIDTH - LEFT;
  const shown = shownLabels(labels);
  const slot = plotWidth / Math.max(labels.length, 1);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title} preserveAspectRatio="xMidYMid meet">
        {[0, 0.5, 1].map((share) => {
          const y = TOP + plotHeight * (1 - share);
          return (
            <g key={share} className="grid">
              <line x1={LEFT} x2={WIDTH} y1={y} y2={y} />
              <text x={LEFT - 6} y={y + 4} textAnchor="end">
                {Number((max * share).toFixed(max < 10 ? 1 : 0))}
                {unit}
              </text>
            </g>
          );
        })}
        {children}
        {labels.map((label, index) =>
          shown.has(index) ? (
            <text key={index} className="axis" x={LEFT + slot * (index + 0.5)} y={HEIGHT - 6} textAnchor="middle">
              {label}
            </text>
          ) : null,
        )}
      </svg>
      {series.length > 1 && (
        <ul className="legend" aria-hidden="true">
          {series.map((item, index) => (
            <li key={item.name}>
              <span className={`swatch series-${index % PALETTE_SIZE}`} />
              {item.name}
            </li>
          ))}
        </ul>
      )}
      <figcaption>{caption}</figcaption>
    </figure>
  );
}

/** Bars per label, the series stacked. */
export function BarChart({ title, caption, labels, series, unit = "" }: { title: string; caption: ReactNode; labels: string[]; series: Series[]; unit?: string }) {
  const totals = labels.map((_, index) => series.reduce((sum, item) => sum + (item.values[index] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = (WIDTH - LEFT) / Math.max(labels.length, 1);
  const barWidth = Math.min(40, Math.max(2, slot * 0.7));
  return (
    <Frame title={title} caption={caption} labels={labels} max={max} unit={unit} series={series}>
      {labels.map((label, index) => {
        let base = TOP + plotHeight;
        return (
          <g key={label}>
            {series.map((item, seriesIndex) => {
              const height = ((item.values[index] ?? 0) / max) * plotHeight;
              base -= height;
              return height > 0 ? (
                <rect
                  key={item.name}
                  className={`series-${seriesIndex % PALETTE_SIZE}`}
                  x={LEFT + slot * index + (slot - barWidth) / 2}
                  y={base}
                  width={barWidth}
                  height={height}
                >
                  <title>{`${label}, ${item.name}: ${item.values[index] ?? 0}${unit}`}</title>
                </rect>
              ) : null;
            })}
          </g>
        );
      })}
    </Frame>
  );
}

/** A line per series over the labels; a missing value (null) breaks the line. */
export function LineChart({
  title,
  caption,
  labels,
  series,
  unit = "",
  max,
}: {
  title: string;
  caption: ReactNode;
  labels: string[];
  series: { name: string; values: (number | null)[] }[];
  unit?: string;
  max?: number;
}) {
  const top = max ?? niceMax(Math.max(0, ...series.flatMap((item) => item.values.filter((value): value is number => value !== null))));
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = (WIDTH - LEFT) / Math.max(labels.length, 1);
  const point = (index: number, value: number) => [LEFT + slot * (index + 0.5), TOP + plotHeight * (1 - value / top)] as const;
  return (
    <Frame title={title} caption={caption} labels={labels} max={top} unit={unit} series={series.map((item) => ({ name: item.name, values: [] }))}>
      {series.map((item, seriesIndex) => {
        const path = item.values
          .map((value, index) => {
            if (value === null) return "";
            const [x, y] = point(index, value);
            const previous = index > 0 ? item.values[index - 1] : null;
            return `${previous === null || previous === undefined ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`;
          })
          .join("");
        return (
          <g key={item.name} className={`series-${seriesIndex % PALETTE_SIZE}`}>
            <path d={path} className="line" />
            {item.values.map((value, index) => {
              if (value === null) return null;
              const [x, y] = point(index, value);
              return (
                <circle key={index} cx={x} cy={y} r={3}>
                  <title>{`${labels[index]}: ${Number(value.toFixed(1))}${unit}`}</title>
                </circle>
              );
            })}
          </g>
        );
      })}
    </Frame>
  );
}
