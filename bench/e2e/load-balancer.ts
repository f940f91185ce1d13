/**
 * Where a simulated vehicle connects when several gateway nodes listen: the
 * bench stands in for the TCP load balancer in front of a cluster, which
 * hands each new connection to the next node in turn (round robin).
 */

/**
 * `vehicles` each with the node it connects to: vehicle i to
 * `nodes[(i + offset) % nodes.length]`. An offset of 1 sends every vehicle
 * to another node than offset 0 did (with two or more nodes), as a vehicle
 * that reconnects through a balancer may land anywhere.
 */
export function roundRobin<V, N> (vehicles: readonly V[], nodes: readonly N[], offset = 0): Array<{ vehicle: V, node: N }> {
  if (nodes.length === 0) throw new Error('roundRobin: no node to connect to')
  return vehicles.map((vehicle, i) => ({ vehicle, node: nodes[(i + offset) % nodes.length] as N }))
}
