/** Resolves after `durationS` seconds, at SIGINT / SIGTERM, or when `signal` aborts, whichever comes first. */
export async function waitForStop (durationS: number | undefined, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      clearTimeout(timer)
      process.off('SIGINT', finish)
      process.off('SIGTERM', finish)
      signal?.removeEventListener('abort', finish)
      resolve()
    }
    const timer = durationS === undefined ? undefined : setTimeout(finish, durationS * 1000)
    process.once('SIGINT', finish)
    process.once('SIGTERM', finish)
    signal?.addEventListener('abort', finish, { once: true })
  })
}
