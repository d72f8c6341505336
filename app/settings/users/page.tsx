import type { Metadata } from "next";
import { requireUser } from "@/lib/auth/guard";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password";
import { listUsers } from "@/lib/auth/user-admin";
import { formatDateTime } from "../_components/format";
import { CreateUserForm, UserActions } from "./user-forms";

export const metadata: Metadata = { title: "Users" };

export default async function UsersSettingsPage() {
  const me = await requireUser({ role: "admin", callbackUrl: "/settings/users" });
  const users = await listUsers();
  const enabledAdmins = users.filter((u) => u.role === "admin" && !u.disabledAt).length;

  return (
    <div className="space-y-8">
      <section aria-labelledby="users-heading" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="users-heading" className="text-base font-semibold">Users</h2>
        <p className="mt-1 text-sm text-slate-600">
          Instructors see every dashboard and export; admins also manage these settings. A disabled user is signed out at once.
          There is always at least one enabled admin.
        </p>
        <div className="mt-4 overflow-x-auto">
          <table className="stack-table w-full text-left text-sm" data-testid="users-table">
            <thead className="border-b border-slate-200 text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2 pr-4 font-medium">User</th>
                <th className="py-2 pr-4 font-medium">Status</th>
                <th className="py-2 pr-4 font-medium">Last sign-in</th>
                <th className="py-2 pr-4 font-medium">Created</th>
                <th className="py-2 font-medium">Role and actions</th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => (
                <tr key={user.id} data-email={user.email} className="border-b border-slate-100 align-top last:border-0">
                  <td data-label="User" className="py-2 pr-4">
                    <span className="font-medium">{user.email}</span>
                    {user.id === me.id ? <span className="ml-1 text-xs text-slate-500">(you)</span> : null}
                    {user.name ? <span className="block text-xs text-slate-500">{user.name}</span> : null}
                  </td>
                  <td data-label="Status" className="py-2 pr-4">
                    {user.disabledAt ? (
                      <span className="rounded bg-slate-200 px-1.5 py-0.5 text-xs text-slate-700" title={`since ${formatDateTime(user.disabledAt)}`}>disabled</span>
                    ) : (
                      <span className="rounded bg-emerald-50 px-1.5 py-0.5 text-xs text-emerald-800">active</span>
                    )}
                  </td>
                  <td data-label="Last sign-in" className="py-2 pr-4">{formatDateTime(user.lastSignInAt)}</td>
                  <td data-label="Created" className="py-2 pr-4">{formatDateTime(user.createdAt)}</td>
                  <td className="py-2">
                    <UserActions
                      user={{ id: user.id, email: user.email, role: user.role, disabled: user.disabledAt !== null }}
                      isLastAdmin={user.role === "admin" && !user.disabledAt && enabledAdmins === 1}
                      minPasswordLength={MIN_PASSWORD_LENGTH}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="new-user-heading" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="new-user-heading" className="text-base font-semibold">Add a user</h2>
        <p className="mt-1 text-sm text-slate-600">
          Give them the password yourself, or leave it empty and Cairn generates one, shown once. Cairn sends no email.
        </p>
        <CreateUserForm minPasswordLength={MIN_PASSWORD_LENGTH} />
      </section>
    </div>
  );
}
