import { it } from "vitest";
import { openApiDocument } from "../../src/docs/openapi";
it("x", () => { const d: any = openApiDocument("x"); for (const k of ["server_keys_create_params","system_directory_params","server_user_presence_params","server_webhooks_create_params","server_webhooks_replay_params","server_chat_postmessage_params","server_channel_create_params","user_delete_params"]) console.log(k, JSON.stringify(d.components.schemas[k])); });
