import { frameFromText } from "../../protocol/envelope";
import { liveChannelRoom } from "../rooms";
import { EndpointStore } from "../../webhooks/endpoints";
import { enqueue, forgetSubscriptions, tasksFor } from "../../webhooks/outbox";
import { newSigningSecret } from "../../webhooks/signature";
import { checkTarget } from "../../webhooks/targets";
import { ApiError, success, unwrap } from "../errors";
import { pageLimit } from "../params";
import type { RouteHandlers } from "../routeHandler";

const noEndpoint = () => new ApiError(404, "webhook_not_found", "no such webhook endpoint");

/** Webhook endpoints, managed by the operator (docs/webhooks.md). */
export const webhookHandlers = {
  "server.webhooks.create": async (c, p) => {
    const config = c.get("config");
    const target = checkTarget(p.url, config.environment);
    if (!target.ok) throw new ApiError(422, "invalid_url", `url: ${target.reason}`, { url: target.reason });
    const store = new EndpointStore(c.env.DB);
    if ((await store.count()) >= config.webhookMaxEndpoints) {
      throw new ApiError(409, "too_many_endpoints", `at most ${config.webhookMaxEndpoints} webhook endpoints`);
    }
    const secret = newSigningSecret();
    const channelIds = p.channel_ids ? [...new Set(p.channel_ids)] : null;
    const webhook = await store.create({ url: target.url, events: [...new Set(p.events)], channel_ids: channelIds, secret }, Date.now());
    forgetSubscriptions();
    return success(c, { webhook, secret });
  },

  "server.webhooks.list": async (c) => success(c, { webhooks: await new EndpointStore(c.env.DB).list() }),

  "server.webhooks.remove": async (c, { webhook_id }) => {
    if (!(await new EndpointStore(c.env.DB).remove(webhook_id, Date.now()))) throw noEndpoint();
    forgetSubscriptions();
    return success(c);
  },

  "server.webhooks.enable": async (c, { webhook_id }) => {
    const webhook = await new EndpointStore(c.env.DB).enable(webhook_id);
    if (!webhook) throw noEndpoint();
    forgetSubscriptions();
    return success(c, { webhook });
  },

  /**
   * Re-sends one channel's events after `since_seq` to one endpoint, oldest first, one page at a
   * time (the events the endpoint subscribes to; the same delivery ids as the first time).
   */
  "server.webhooks.replay": async (c, p) => {
    const config = c.get("config");
    const limit = pageLimit(p.limit, config.webhookReplayPageMax, config.webhookReplayPageMax);
    // The channel first: a removed channel is 404 before any rule about the endpoint.
    const room = await liveChannelRoom(c.env, p.channel_id);
    const store = new EndpointStore(c.env.DB);
    const webhook = await store.get(p.webhook_id);
    if (!webhook) throw noEndpoint();
    if (webhook.channel_ids && !webhook.channel_ids.includes(p.channel_id)) {
      throw new ApiError(422, "not_subscribed", "channel_id: the endpoint does not subscribe to this channel", {
        channel_id: "the endpoint does not subscribe to this channel",
      });
    }
    const page = unwrap(await room.serverLog(p.since_seq, limit));
    const sub = { id: webhook.webhook_id, events: new Set<string>(webhook.events), channels: null };
    const tasks = page.frames.map((text) => frameFromText(text).event).flatMap((e) =>
      tasksFor([sub], { event: e.event, channel_id: page.channel_id, seq: e.meta.seq, time: e.meta.time, payload: e.payload }),
    );
    await enqueue(c.env.WEBHOOK_QUEUE, tasks);
    return success(c, { enqueued: tasks.length, last_seq: page.last_seq, has_more: page.has_more });
  },
} satisfies Partial<RouteHandlers>;
