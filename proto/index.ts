/** The wire types. Import them from here, never from gen/ directly: see long-as-number.ts. */
import './long-as-number.js'

export { pitwall } from './gen/pitwall.js'
