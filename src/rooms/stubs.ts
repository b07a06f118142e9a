export { channelRoom, userRoom } from "../contracts/rooms";
