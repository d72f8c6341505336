import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth/guard";

export default async function SettingsIndex() {
  await requireUser({ role: "admin", callbackUrl: "/settings" });
  redirect("/settings/webhook");
}
