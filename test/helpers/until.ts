/**
 * Waiting in end-to-end tests for something the system does on its own
 * time (a command acknowledged, a campaign paused): polls until `probe`
 * answers, with a deadline that fails the test naming what never came.
 */
export async function until<T> (what: string, probe: () => Promise<T | undefined>, options: { timeoutMs?: number, pollMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100))
  }
}
