/**
 * A real HTTP receiver for vendor pushes in contract tests: turns each request into the runtime's
 * WebhookRequest, asks the connector to verify it, records the outcome and answers as the connector says.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connector, WebhookOutcome, WebhookRequest } from '../../runtime/support/connector.ts';

export interface Received {
  request: WebhookRequest;
  outcome: WebhookOutcome;
}

export interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

export async function startReceiver(connector: Connector, path = '/hook'): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const request: WebhookRequest = {
        method: req.method ?? 'POST',
        path: url.pathname,
        headers: req.headers,
        query: Object.fromEntries(url.searchParams),
        body: Buffer.concat(chunks),
      };
      const outcome: WebhookOutcome = connector.verifyWebhook
        ? connector.verifyWebhook(request)
        : { ok: false, status: 404, code: 'none', message: 'connector has no webhooks' };
      received.push({ request, outcome });
      if (outcome.ok) {
        const reply = outcome.reply ?? { status: 200, contentType: 'application/json', body: '{"ok":true}' };
        res.writeHead(reply.status, { 'content-type': reply.contentType }).end(reply.body);
      } else {
        res.writeHead(outcome.status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: outcome.code, message: outcome.message }));
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
