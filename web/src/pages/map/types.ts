/** GET /api/v1/vehicles/positions: each vehicle's last fix, as columns (index i of each array is one vehicle), by VIN. */
export interface FleetPositions {
  vin: string[]
  model: Array<string | null>
  lat: number[]
  lon: number[]
  /** the fix's time, epoch ms */
  t: number[]
  online: boolean[]
  openFaults: number[]
  /** the most one answer holds */
  limit: number
  /** more vehicles matched than `limit`: these are the first by VIN */
  truncated: boolean
}
