/**
 * The three states every view has besides its data: loading, failed (the
 * API's message, with a retry), and empty (saying what would fill it).
 */
import type { ComponentChildren } from 'preact'
import type { Loaded } from './use-api.js'

export function ErrorBox ({ message, retry }: { message: string, retry?: () => void }) {
  return (
    <div class='error-box' role='alert'>
      <span>{message}</span>
      {retry !== undefined && <button type='button' onClick={retry}>Retry</button>}
    </div>
  )
}

export function Empty ({ children }: { children: ComponentChildren }) {
  return <div class='empty'>{children}</div>
}

/** Renders `children(data)` once loaded; the error or a loading line otherwise. */
export function LoadedView<T> ({ loaded, children }: { loaded: Loaded<T>, children: (data: T) => ComponentChildren }) {
  if (loaded.error !== undefined && loaded.data === undefined) return <ErrorBox message={loaded.error} retry={loaded.reload} />
  if (loaded.data === undefined) return <div class='loading' aria-busy='true'>Loading…</div>
  return <>{loaded.error !== undefined && <ErrorBox message={loaded.error} retry={loaded.reload} />}{children(loaded.data)}</>
}
