/** SOAP bodies of Salesforce Outbound Messages (`notifications`) and the Ack receivers answer with: used by the connector (Ack) and the emulator (sending). */
import { escapeXml } from '../shared/xml.ts';

export const OM_NAMESPACE = 'http://soap.sforce.com/2005/09/outbound';

export interface OutboundNotification {
  id: string;
  type: string;
  fields: Record<string, unknown>;
}

export interface OutboundEnvelope {
  organizationId: string;
  actionId: string;
  enterpriseUrl: string;
  partnerUrl: string;
  notifications: OutboundNotification[];
}

function fieldXml(name: string, value: unknown): string {
  if (value === null || value === undefined) return `<sf:${name} xsi:nil="true"/>`;
  return `<sf:${name}>${escapeXml(String(value))}</sf:${name}>`;
}

export function notificationsXml(env: OutboundEnvelope): string {
  const notes = env.notifications
    .map(
      (n) =>
        `<Notification><Id>${escapeXml(n.id)}</Id><sObject xsi:type="sf:${escapeXml(n.type)}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">${Object.entries(n.fields)
          .map(([k, v]) => fieldXml(k, v))
          .join('')}</sObject></Notification>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body><notifications xmlns="${OM_NAMESPACE}">` +
    `<OrganizationId>${escapeXml(env.organizationId)}</OrganizationId><ActionId>${escapeXml(env.actionId)}</ActionId>` +
    '<SessionId xsi:nil="true"/>' +
    `<EnterpriseUrl>${escapeXml(env.enterpriseUrl)}</EnterpriseUrl><PartnerUrl>${escapeXml(env.partnerUrl)}</PartnerUrl>` +
    notes +
    '</notifications></soapenv:Body></soapenv:Envelope>'
  );
}

export function ackXml(ack: boolean): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
    `<soapenv:Body><notificationsResponse xmlns="${OM_NAMESPACE}"><Ack>${ack}</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>`
  );
}

/** The vendor counts a delivery as done only when the reply carries <Ack>true</Ack>. */
export function isAck(status: number, body: string): boolean {
  return status >= 200 && status < 300 && /<(?:\w+:)?Ack>\s*true\s*<\/(?:\w+:)?Ack>/.test(body);
}
