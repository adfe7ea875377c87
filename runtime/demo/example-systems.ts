/**
 * The Salesforce and Kingdee emulators as the example repository expects them: with the custom fields
 * its EntitySchemas declare (specs/schemas/salesforce-account.yaml, kingdee-customer.yaml). Shared by
 * the demo and the tests that run the example specs end to end.
 */
import { DEFAULT_FORMS } from '../../connectors/kingdee-k3cloud/emulator/forms.ts';
import { DEFAULT_OBJECTS } from '../../connectors/salesforce/emulator/objects.ts';

const account = DEFAULT_OBJECTS.Account!;
const customer = DEFAULT_FORMS.BD_Customer!;

export const exampleSalesforceObjects = {
  ...DEFAULT_OBJECTS,
  Account: { ...account, fields: { ...account.fields, CurrencyIsoCode: { type: 'picklist' as const, length: 3 } } },
};

export const exampleKingdeeForms = {
  BD_Customer: { ...customer, fields: { ...customer.fields, F_SYNC_SourceId: { kind: 'text' as const, maxLength: 80 } } },
};
