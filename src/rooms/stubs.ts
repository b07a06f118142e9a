export { channelRoom, channelShard, userRoom } from "../contracts/rooms";
