/**
 * The console's entry: exchanges a sign-in link's token (#signin=…) for a
 * session cookie and removes it from the address bar and history, then
 * renders the signed-in shell or the sign-in form.
 */
import { render } from 'preact'
import { App } from './app.js'
import './styles.css'

render(<App />, document.getElementById('app') as HTMLElement)
