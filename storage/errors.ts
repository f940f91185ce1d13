/** Storage failures carry a stable PITWALL_ERR_STORAGE_* code for logs and metrics. */
export class StorageError extends Error {
  readonly code: string
  constructor (code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StorageError'
    this.code = code
  }
}
