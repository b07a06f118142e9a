/** One queue message: one event for one endpoint. `body` is the delivery's exact JSON text. */
export interface WebhookTask {
  endpoint: number;
  id: string;
  body: string;
}
