/** The pages of the shell's own owner: fleet, vehicle, faults and the fleet map (engineer and operator). */
import { FaultPage } from './faults/fault-page.js'
import { FaultQueue } from './faults/fault-queue.js'
import { FleetPage } from './fleet/fleet-page.js'
import { FleetMap } from './map/fleet-map.js'
import type { Page } from './page.js'
import { VehiclePage } from './vehicle/vehicle-page.js'

export const corePages: Page[] = [
  { path: '/fleet', title: 'Fleet', roles: ['engineer', 'operator'], nav: true, component: FleetPage },
  { path: '/vehicles/:vin', title: 'Vehicle', roles: ['engineer', 'operator'], nav: false, under: '/fleet', component: VehiclePage },
  { path: '/faults', title: 'Faults', roles: ['engineer', 'operator'], nav: true, component: FaultQueue },
  { path: '/faults/:id', title: 'Fault', roles: ['engineer', 'operator'], nav: false, component: FaultPage },
  { path: '/map', title: 'Map', roles: ['engineer', 'operator'], nav: true, component: FleetMap }
]
