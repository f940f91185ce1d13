/** The pages of the shell's own owner: fleet, vehicle, faults (engineer and operator). */
import type { Page } from './page.js'

export const corePages: Page[] = []
