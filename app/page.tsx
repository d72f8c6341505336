export default function Home() {
  return (
    <main className="mx-auto max-w-3xl p-8">
      <h1 className="text-2xl font-semibold">Cairn</h1>
      <p className="mt-2 text-slate-600">Learner progress from Instruqt webhooks.</p>
    </main>
  );
}
