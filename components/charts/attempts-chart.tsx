"use client";

import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";

/**
 * How many failed attempts completed challenges needed before their success: the buckets from 1
 * failure up (the page states the first-try count in words, so it cannot flatten these bars).
 */
export function AttemptsChart({ data }: { data: { label: string; challenges: number }[] }) {
  return (
    <BarChart
      responsive
      style={{ width: "100%", height: 240 }}
      data={data}
      margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
      accessibilityLayer
      title="Completed challenges by failed attempts before success, from one failure up"
      desc="Bar chart. The same numbers are in the table below it. Use the arrow keys to move between bars."
    >
      <CartesianGrid vertical={false} stroke="#e2e8f0" />
      <XAxis
        dataKey="label"
        tick={{ fontSize: 12, fill: "#475569" }}
        interval={0}
        label={{ value: "failed checks before passing", position: "insideBottom", offset: -2, fontSize: 12, fill: "#475569" }}
        height={40}
      />
      <YAxis allowDecimals={false} tick={{ fontSize: 12, fill: "#475569" }} width={48} />
      <Tooltip formatter={(value) => [value, "Completed challenges"]} />
      <Bar dataKey="challenges" name="Completed challenges" fill="#0e7490" radius={[3, 3, 0, 0]} isAnimationActive={false} />
    </BarChart>
  );
}
