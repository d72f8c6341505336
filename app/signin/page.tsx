import type { Metadata } from "next";
import { safeCallbackPath } from "@/lib/auth/redirect";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string }> }) {
  const { callbackUrl, error } = await searchParams;
  // Only paths on Cairn's own origin: an open redirect after sign-in would be a phishing aid.
  const target = safeCallbackPath(callbackUrl);
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-xl font-semibold">Sign in to Cairn</h1>
        <p className="mt-1 text-sm text-slate-600">Learner progress from your Instruqt tracks.</p>
        <SignInForm callbackUrl={target} initialError={error} />
      </div>
    </main>
  );
}
