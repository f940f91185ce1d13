/**
 * Loads an API resource for a page: data, error and loading state, a
 * reload() for after an action, and stale answers dropped when the inputs
 * change faster than the network answers (typing in a search box).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { messageOf } from '../api.js'

export interface Loaded<T> {
  data: T | undefined
  error: string | undefined
  loading: boolean
  reload: () => void
}

export function useApi<T> (load: () => Promise<T>, inputs: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [loading, setLoading] = useState(true)
  const [generation, setGeneration] = useState(0)
  const latest = useRef(0)
  useEffect(() => {
    const ticket = ++latest.current
    setLoading(true)
    load().then((value) => {
      if (ticket !== latest.current) return
      setData(value)
      setError(undefined)
      setLoading(false)
    }, (err: unknown) => {
      if (ticket !== latest.current) return
      setError(messageOf(err))
      setLoading(false)
    })
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller names the inputs
  }, [...inputs, generation])
  const reload = useCallback(() => setGeneration((g) => g + 1), [])
  return { data, error, loading, reload }
}
