/** Moves a room's clock without running its alarm (for throttles and "frames between checks"). */
import { runInDurableObject } from "cloudflare:test";
import type { channelStub, userStub } from "./workerd";

type Stub = ReturnType<typeof channelStub> | ReturnType<typeof userStub>;

export async function advanceClock(stub: Stub, ms: number): Promise<void> {
  await runInDurableObject(stub, (room) => {
    (room as unknown as { clock: { advance(ms: number): void } }).clock.advance(ms);
  });
}
