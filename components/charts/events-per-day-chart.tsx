"use client";

import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import { formatDay } from "../format";

/** Events per UTC day as bars. */
export function EventsPerDayChart({ data }: { data: { day: string; events: number }[] }) {
  return (
    <BarChart
      responsive
      style={{ width: "100%", height: 240 }}
      data={data}
      margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
      accessibilityLayer
      title="Events per day"
      desc="Bar chart. The same numbers are in the table below it. Use the arrow keys to move between bars."
    >
      <CartesianGrid vertical={false} stroke="#e2e8f0" />
      <XAxis dataKey="day" tickFormatter={formatDay} tick={{ fontSize: 12, fill: "#475569" }} minTickGap={16} />
      <YAxis allowDecimals={false} tick={{ fontSize: 12, fill: "#475569" }} width={48} />
      <Tooltip labelFormatter={(day) => formatDay(String(day))} formatter={(value) => [value, "Events"]} />
      <Bar dataKey="events" name="Events" fill="#4f46e5" radius={[3, 3, 0, 0]} isAnimationActive={false} />
    </BarChart>
  );
}
