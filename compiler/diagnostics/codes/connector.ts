import type { CodeInfo } from './types.ts';

/**
 * SS51xx — connector diagnostics. Numbers are never reused; retired ones stay with `retired: true`.
 * SS5100–SS5149 are the worker's (see runtime.ts); connectors use SS5150–SS5199.
 */
export const connectorCodes = {
  SS5150: {
    title: 'Connector could not authenticate',
    explanation:
      'The vendor refused the credentials of a Connection (Salesforce invalid_grant / invalid_client, Kingdee LoginResultType other than 1, Jiandaoyun invalid API key). The records of the batch are reported as retryable so nothing is lost while the secret is fixed; the worker dead-letters them once its retry budget is spent. Check the secret the Connection references and that the integration user is active.',
  },
  SS5151: {
    title: 'Session expired again right after re-authentication',
    explanation:
      'The vendor answered "session expired" (Salesforce 401 INVALID_SESSION_ID, Kingdee MsgCode 1 "会话信息已丢失，请重新登录"). The connector logs in again once and retries the call once; this code means the retry was also refused, which points at a session policy (IP restriction, single-session users) rather than a stale token. The call is classified as retryable.',
  },
  SS5152: {
    title: 'Connection to the vendor failed',
    explanation:
      'The TCP connection was refused, reset or closed before a complete answer arrived. Nothing can be known about whether the vendor applied a write, so the records are retryable; every write path of the connectors is idempotent by business key (external id upsert, look-up-then-save, transaction_id) so a retry never duplicates an effect.',
  },
  SS5153: {
    title: 'Vendor call timed out',
    explanation:
      'No answer arrived within the Connection timeout. The request is aborted and classified as retryable. Raise the timeout if the vendor is merely slow for large batches, or lower the batch size.',
  },
  SS5154: {
    title: 'Vendor server error',
    explanation:
      'The vendor answered with HTTP 5xx (or a gateway status such as Kingdee 519). This is transient by nature and classified as retryable; a Retry-After header, when present, is passed on as the earliest retry time.',
  },
  SS5155: {
    title: 'Vendor throttled the call',
    explanation:
      'The vendor signalled a rate or request limit: HTTP 429, Salesforce 403 REQUEST_LIMIT_EXCEEDED, Jiandaoyun code 8303/8304. The records are classified as throttled with retryAfterMs taken from Retry-After when sent, else from the vendor\'s documented window, so the worker waits at least that long and slows its token bucket.',
  },
  SS5156: {
    title: 'Record rejected by the target system',
    explanation:
      'The vendor refused this one record for a business reason (Salesforce REQUIRED_FIELD_MISSING / FIELD_CUSTOM_VALIDATION_EXCEPTION, Kingdee IsSuccess false with a DIndex error, Jiandaoyun validation error). Retrying the same data cannot succeed; the record goes to the dead-letter queue with the vendor code and message, and the rest of the batch is unaffected.',
  },
  SS5157: {
    title: 'Mapping names a field or entity the target does not have',
    explanation:
      'The vendor reported an unknown field, entity or external-id field (Salesforce INVALID_FIELD / NOT_FOUND on the external-id path, Kingdee metadata errors, Jiandaoyun unknown widget). The spec maps to something the target system does not know: fix the spec or the catalog, then replay the dead-letter queue.',
  },
  SS5158: {
    title: 'Unexpected answer from the vendor',
    explanation:
      'The vendor answered with a body the connector cannot interpret (not JSON, missing the expected fields, a per-record result missing for an item). Because the outcome is unknown the records are classified as retryable; the idempotent write paths make a retry safe.',
  },
  SS5159: {
    title: 'Webhook signature or sender check failed',
    explanation:
      'A push did not carry a valid signature (Jiandaoyun X-JDY-Signature over nonce:payload:secret:timestamp) or came from another organisation (Salesforce Outbound Message OrganizationId). The request is refused and nothing is stored. Check the webhook secret or organisation id configured on the Connection.',
  },
  SS5160: {
    title: 'Webhook timestamp outside the accepted window',
    explanation:
      'The signed timestamp of a push is older (or newer) than the replay window allows, so it may be a captured request replayed later. It is refused. Within the window, replays carry the same delivery id and the durable inbox drops them.',
  },
  SS5161: {
    title: 'Webhook payload is malformed',
    explanation:
      'The push body is not the vendor\'s format (invalid JSON, SOAP without notifications, an XML document type declaration, missing delivery id). It is refused with 400; no event is stored.',
  },
  SS5162: {
    title: 'Batch larger than the vendor accepts',
    explanation:
      'A write batch exceeded the connector\'s maxBatchSize (Salesforce Collections 200, Jiandaoyun batch_create 100). The worker caps batches at this size; seeing this code means a caller ignored maxBatchSize.',
  },
  SS5163: {
    title: 'Business key matches several target records',
    explanation:
      'An upsert key matched more than one record (Salesforce 300 Multiple Choices / DUPLICATE_EXTERNAL_ID, several Kingdee rows with the same FNumber, several Jiandaoyun rows with the same key widget value). Nothing was written. Clean the duplicates in the target or choose a unique key.',
  },
  SS5164: {
    title: 'Query rejected by the vendor',
    explanation:
      'The vendor refused a read query (Salesforce MALFORMED_QUERY / INVALID_FIELD / INVALID_TYPE, Kingdee query error nested in the result array). The cursor field or the entity name in the spec does not exist on the source, or the connector built a query the vendor does not support.',
  },
  SS5165: {
    title: 'Unknown entity for this connection',
    explanation:
      'The entity named in the spec is not configured on the connection (for Jiandaoyun: no app_id/entry_id registered for the form name). Add it to the Connection or use "<app_id>/<entry_id>" as the entity.',
  },
  SS5166: {
    title: 'Connection settings do not fit the connector',
    explanation:
      'A Connection names an auth method the connector does not implement (Kingdee signed-headers), misses a field that method needs, or has an option of the wrong type. The worker cannot build the connector and refuses to start this connection; the message names the connection and the field. Secrets are never printed, only where they were referenced.',
  },
} satisfies Record<`SS51${string}`, CodeInfo>;
