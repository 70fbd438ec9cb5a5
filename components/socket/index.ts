export { SocketProvider, useSocket, useConnectionState, type ConnectionState } from './socket-provider';
export { request } from './request';
export type { NslabClientSocket } from './types';
