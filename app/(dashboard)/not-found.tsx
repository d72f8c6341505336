import Link from "next/link";

export default function NotFound() {
  return (
    <div className="mx-auto max-w-lg py-12 text-center">
      <h1 className="text-2xl font-semibold text-slate-900">Not found</h1>
      <p className="mt-2 text-slate-600">No track, learner or event has this address. It may have a different id or slug.</p>
      <div className="mt-6 flex justify-center gap-4 text-indigo-800">
        <Link href="/tracks" className="underline">Tracks</Link>
        <Link href="/learners" className="underline">Learners</Link>
        <Link href="/events" className="underline">Delivery log</Link>
      </div>
    </div>
  );
}
