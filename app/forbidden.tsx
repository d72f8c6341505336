import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="mx-auto max-w-lg p-8 text-center">
      <h1 className="text-2xl font-semibold">Admins only</h1>
      <p className="mt-2 text-slate-600">Your account can see every dashboard and export, but not this page.</p>
      <Link href="/" className="mt-6 inline-block text-indigo-700 underline">Back to the overview</Link>
    </main>
  );
}
