/** Flag values the command groups share: comma-separated lists, and who runs a command. */
import { userInfo } from 'node:os'

/** `a, b,,c` → ['a', 'b', 'c'] */
export const commaList = (value: string): string[] => value.split(',').map((s) => s.trim()).filter((s) => s !== '')

/** Who a change is recorded as made by: --by, else the OS user running the command. */
export const me = (by: string | undefined): string => by ?? userInfo().username
