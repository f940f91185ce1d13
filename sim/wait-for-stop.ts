/** Resolves after `durationS` seconds, or at SIGINT / SIGTERM when sooner (or when no duration is given). */
export async function waitForStop (durationS: number | undefined): Promise<void> {
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      clearTimeout(timer)
      process.off('SIGINT', finish)
      process.off('SIGTERM', finish)
      resolve()
    }
    const timer = durationS === undefined ? undefined : setTimeout(finish, durationS * 1000)
    process.once('SIGINT', finish)
    process.once('SIGTERM', finish)
  })
}
