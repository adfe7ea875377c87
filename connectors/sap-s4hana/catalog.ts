/** The SAP S/4HANA catalog (catalog.json) as typed data, and the OData services each entity set lives in. */
import { readFileSync } from 'node:fs';

export interface SapCatalogField {
  type: string;
  maxLength?: number;
  values?: string[];
  entity?: string;
  by?: string;
  readOnly?: boolean;
  requiredOnCreate?: boolean;
}

export interface SapCatalogEntity {
  keys: string[];
  cursor?: string;
  child?: boolean;
  fields: Record<string, SapCatalogField>;
}

export const SAP_CATALOG = JSON.parse(readFileSync(new URL('./catalog.json', import.meta.url), 'utf8')) as { entities: Record<string, SapCatalogEntity> };

export interface SapEntitySet {
  /** Service whose root holds the set (`/sap/opu/odata/sap/{service}/`). */
  service: string;
  /** Key properties, in URL order. */
  keys: string[];
  /** Navigation property → entity set of the children (deep insert, $expand). */
  navigation?: Record<string, string>;
  /** How the change cursor is stored: one Edm.DateTimeOffset, or the business partner's date + Edm.Time pair. */
  cursor?: 'LastChangeDateTime' | 'LastChangeDate+LastChangeTime';
  /** The entity carries an ETag (from LastChangeDateTime): updates need If-Match. */
  etag?: boolean;
}

export const SAP_ENTITY_SETS: Record<string, SapEntitySet> = {
  A_SalesOrder: { service: 'API_SALES_ORDER_SRV', keys: ['SalesOrder'], navigation: { to_Item: 'A_SalesOrderItem' }, cursor: 'LastChangeDateTime', etag: true },
  A_SalesOrderItem: { service: 'API_SALES_ORDER_SRV', keys: ['SalesOrder', 'SalesOrderItem'] },
  A_BusinessPartner: { service: 'API_BUSINESS_PARTNER', keys: ['BusinessPartner'], cursor: 'LastChangeDate+LastChangeTime' },
  A_Customer: { service: 'API_BUSINESS_PARTNER', keys: ['Customer'] },
  A_Product: { service: 'API_PRODUCT_SRV', keys: ['Product'], cursor: 'LastChangeDateTime', etag: true },
};

export const SERVICE_ROOT = '/sap/opu/odata/sap/';
