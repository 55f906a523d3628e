/** Polls `probe` until it returns a truthy value (returned), or fails after `timeoutMs` (« délai dépassé »). */
export async function until<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error('délai dépassé');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
