// The one kernel-read layer: every output nslab reads from ip, nft and tc is checked here
// against the shape this iproute2 (6.1) and nftables (1.0) print, then reshaped into nslab's
// model. Fixtures of real outputs: test/fixtures/kernel/ (scripts/record-kernel-fixtures.sh).
export { commandText, parseBatch, parseJson, readFailure } from './check';
export * from './ip';
export { natCountersFromText, natFromText, parseNftTables } from './nft';
export { attachMemberships, BridgeVlanPorts, hasFilteringBridge, membershipsFrom, parseBridgeVlans } from './bridge';
export { netemsFrom, parseTcQdiscs, rootQdiscs, TcQdisc, TcQdiscs } from './tc';
export { compareCidr, countersOf, forwarding6From, forwardingFrom, kindOf, linkFrom, nsidsFrom, pairVeths, routesFrom } from './model';
export { batchArgv, batchStdin, NODE_VIEW, OBSERVE, parseIpBatch, SCAN, type IpBatch } from './batches';
