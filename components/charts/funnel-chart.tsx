"use client";

import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";

export interface FunnelDatum {
  label: string;
  reached: number;
  completed: number;
}

/** Per challenge, plays that reached it beside plays that completed it. */
export function FunnelChart({ data }: { data: FunnelDatum[] }) {
  return (
    <BarChart
      responsive
      style={{ width: "100%", height: 280 }}
      data={data}
      margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
      accessibilityLayer
      title="Challenge funnel: plays that reached and completed each challenge"
      desc="Bar chart. The same numbers are in the table below it. Use the arrow keys to move between bars."
    >
      <CartesianGrid vertical={false} stroke="#e2e8f0" />
      <XAxis dataKey="label" tick={{ fontSize: 12, fill: "#475569" }} interval={0} />
      <YAxis allowDecimals={false} tick={{ fontSize: 12, fill: "#475569" }} width={48} />
      <Tooltip />
      <Legend wrapperStyle={{ fontSize: 12 }} formatter={(value) => <span style={{ color: "#334155" }}>{value}</span>} />
      {/* Bar colours keep 3:1 contrast with the white background (WCAG non-text contrast). */}
      <Bar dataKey="reached" name="Reached" fill="#6366f1" radius={[3, 3, 0, 0]} isAnimationActive={false} />
      <Bar dataKey="completed" name="Completed" fill="#065f46" radius={[3, 3, 0, 0]} isAnimationActive={false} />
    </BarChart>
  );
}
