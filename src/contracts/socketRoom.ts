/** What every websocket room answers (src/rooms/SocketRoom.ts): the upgrade and closing sockets. */
export interface SocketRoomRpc extends Rpc.DurableObjectBranded {
  fetch(request: Request): Promise<Response>;
  /** Closes the sockets of the ended sessions of `userId` here; how many were open. */
  sessionsEnded(userId: number, sids: number[]): Promise<number>;
  /** Closes every socket of `userId` here; how many were open. */
  disconnectUser(userId: number, code: number, reason: string): Promise<number>;
}
