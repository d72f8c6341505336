"use client";

import { signOut } from "next-auth/react";

/**
 * Signs out without next-auth's redirect: that redirect is built from NEXTAUTH_URL and, when it is
 * unset (the default), points at http://localhost:3000. The sign-in form avoids it the same way.
 */
export function SignOutButton() {
  return (
    <button
      type="button"
      onClick={() => void signOut({ redirect: false }).then(() => window.location.assign("/signin"))}
      className="rounded-md border border-slate-300 px-3 py-1.5 text-slate-700 hover:bg-slate-50 focus:outline-none focus:ring-2 focus:ring-indigo-500"
    >
      Sign out
    </button>
  );
}
