/**
 * Files only the gateway's user may use, checked as ssh checks its identity
 * files: the command signing keys, the embedded database's directory. Modes
 * are POSIX ones; on Windows Node reports synthetic modes, so nothing there
 * counts as exposed.
 */
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'

export interface Exposed {
  path: string
  mode: number
}

/** The permission bits as chmod takes them, e.g. `0644`. */
export function octalMode (mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0')
}

/** Group or others may read, write or enter it. */
export function isExposed (mode: number): boolean {
  return process.platform !== 'win32' && (mode & 0o077) !== 0
}

/**
 * The first entry at or under `root`, depth first, that group or others may
 * use; undefined when there is none or `root` does not exist. Symbolic links
 * are neither followed nor judged (their own mode means nothing on Linux),
 * and an entry removed during the walk is skipped.
 */
export async function findExposed (root: string): Promise<Exposed | undefined> {
  let info
  try {
    info = await lstat(root)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  if (info.isSymbolicLink()) return undefined
  if (isExposed(info.mode)) return { path: root, mode: info.mode }
  if (!info.isDirectory()) return undefined
  let names: string[]
  try {
    names = await readdir(root)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  for (const name of names.sort()) {
    const found = await findExposed(join(root, name))
    if (found !== undefined) return found
  }
  return undefined
}
