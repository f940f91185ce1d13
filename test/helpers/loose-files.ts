/** What the private-files tests look for: entries other users could use. */
import { lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

/** Every entry under `root` that group or others may use, with its mode. */
export function looseEntries (root: string): string[] {
  const loose: string[] = []
  const walk = (path: string): void => {
    const info = lstatSync(path)
    if ((info.mode & 0o077) !== 0) loose.push(`${path.slice(root.length)} ${(info.mode & 0o777).toString(8)}`)
    if (info.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name))
  }
  walk(root)
  return loose
}
