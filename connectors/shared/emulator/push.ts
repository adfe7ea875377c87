/**
 * Outbound pushes from an emulator to a receiver (Salesforce Outbound Messages, Jiandaoyun data push):
 * at-least-once with retries until the receiver accepts, and on demand duplicated and out of order —
 * the delivery behaviours the vendors document and receivers must survive.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

export interface Delivery {
  /** Vendor delivery id (notification Id, X-JDY-DeliverId). */
  id: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface DeliveryReport {
  id: string;
  attempts: number;
  /** Last HTTP status seen (undefined: no answer). */
  status: number | undefined;
  accepted: boolean;
}

export interface PushOptions {
  /** Send every delivery a second time after the first round. */
  duplicate?: boolean;
  /** Send in reverse order. */
  reorder?: boolean;
  /** Attempts per delivery before giving up (the vendors retry for hours; emulators retry briefly). */
  attempts?: number;
  retryDelayMs?: number;
  timeoutMs?: number;
  /** Whether a reply counts as accepted (Salesforce needs `<Ack>true</Ack>`, Jiandaoyun any 2xx). */
  accepted: (status: number, body: string) => boolean;
}

export async function pushDeliveries(deliveries: readonly Delivery[], opts: PushOptions): Promise<DeliveryReport[]> {
  const ordered = opts.reorder ? [...deliveries].reverse() : [...deliveries];
  const rounds = opts.duplicate ? [...ordered, ...ordered] : ordered;
  const reports: DeliveryReport[] = [];
  for (const d of rounds) {
    const report: DeliveryReport = { id: d.id, attempts: 0, status: undefined, accepted: false };
    const attempts = opts.attempts ?? 3;
    while (!report.accepted && report.attempts < attempts) {
      if (report.attempts > 0) await sleep((opts.retryDelayMs ?? 20) * 2 ** (report.attempts - 1));
      report.attempts++;
      try {
        const res = await request(d.url, {
          method: 'POST',
          headers: d.headers,
          body: d.body,
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        });
        const text = await res.body.text();
        report.status = res.statusCode;
        report.accepted = opts.accepted(res.statusCode, text);
      } catch {
        report.status = undefined;
      }
    }
    reports.push(report);
  }
  return reports;
}
