/**
 * A secret the API shows exactly once (a new API token, a webhook secret):
 * shown with a copy button until the user dismisses it; it is never kept
 * anywhere else in the page.
 */
import { useRef, useState } from 'preact/hooks'

export function SecretOnce ({ label, secret, onDone }: { label: string, secret: string, onDone: () => void }) {
  const [copied, setCopied] = useState<boolean | undefined>(undefined)
  const field = useRef<HTMLInputElement>(null)
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(secret)
      setCopied(true)
    } catch {
      // no clipboard (an insecure origin, a denied permission): select it for Ctrl+C
      field.current?.select()
      setCopied(false)
    }
  }
  return (
    <div class='m-secret' role='status'>
      <strong>{label}</strong>
      <p class='m-sub'>Shown only now: copy it before you leave this page.</p>
      <div class='m-secret-row'>
        <input ref={field} class='m-secret-value' readOnly value={secret} aria-label={label} onFocus={(e) => e.currentTarget.select()} />
        <button type='button' class='primary' onClick={() => { void copy() }}>Copy</button>
        <button type='button' onClick={onDone}>Done</button>
      </div>
      {copied === true && <p class='m-ok'>Copied.</p>}
      {copied === false && <p class='m-sub'>Selected: press Ctrl+C to copy.</p>}
    </div>
  )
}
