"use client";

import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";

export interface FunnelDatum {
  label: string;
  reached: number;
  completed: number;
  working: number;
  gaveUp: number;
}

// In bar order, so the legend reads left to right as the bars of each challenge do. Colours keep
// 3:1 contrast with the white background (WCAG non-text contrast).
const SERIES = [
  { key: "reached", name: "Reached", fill: "#6366f1" },
  { key: "completed", name: "Completed", fill: "#065f46" },
  { key: "working", name: "Working", fill: "#0369a1" },
  { key: "gaveUp", name: "Gave up", fill: "#be123c" },
] as const;

/** Per challenge: plays that reached it, completed it, are working on it and gave up there. */
export function FunnelChart({ data }: { data: FunnelDatum[] }) {
  return (
    <BarChart
      responsive
      style={{ width: "100%", height: 280 }}
      data={data}
      margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
      accessibilityLayer
      title="Challenge funnel: plays that reached, completed, are working on and gave up at each challenge"
      desc="Bar chart. The same numbers are in the table below it. Use the arrow keys to move between bars."
    >
      <CartesianGrid vertical={false} stroke="#e2e8f0" />
      <XAxis dataKey="label" tick={{ fontSize: 12, fill: "#475569" }} interval={0} />
      <YAxis allowDecimals={false} tick={{ fontSize: 12, fill: "#475569" }} width={48} />
      <Tooltip />
      <Legend
        wrapperStyle={{ fontSize: 12 }}
        // Recharts sorts legend items by name by default; sort them by the bars' order instead.
        itemSorter={(item) => SERIES.findIndex((series) => series.key === item.dataKey)}
        formatter={(value) => <span style={{ color: "#334155" }}>{value}</span>}
      />
      {SERIES.map((series) => (
        <Bar key={series.key} dataKey={series.key} name={series.name} fill={series.fill} radius={[3, 3, 0, 0]} isAnimationActive={false} />
      ))}
    </BarChart>
  );
}
