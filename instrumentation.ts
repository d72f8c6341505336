/**
 * Runs once when a server instance starts: validates the configuration (a bad value stops the
 * start with a message naming the variable) and seeds what the environment asks for.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startInstance } = await import("@/lib/instance");
  await startInstance();
}
