/**
 * The CRM and ERP emulators of `bench:worker`, in a process of their own so the worker under test has
 * its core to itself: a Salesforce emulator (Account with CurrencyIsoCode) and a Kingdee emulator
 * (BD_Customer with F_SYNC_SourceId), the custom fields the example repo's schemas declare. Prints one
 * JSON line with the addresses, then serves until killed. Driven through the emulators' admin endpoints.
 */
import { DEFAULT_FORMS } from '../connectors/kingdee-k3cloud/emulator/forms.ts';
import { startKingdeeEmulator } from '../connectors/kingdee-k3cloud/emulator/server.ts';
import { DEFAULT_OBJECTS } from '../connectors/salesforce/emulator/objects.ts';
import { startSalesforceEmulator } from '../connectors/salesforce/emulator/server.ts';

const sf = await startSalesforceEmulator({
  objects: { Account: { ...DEFAULT_OBJECTS.Account!, fields: { ...DEFAULT_OBJECTS.Account!.fields, CurrencyIsoCode: { type: 'picklist', length: 3 } } } },
});
const kd = await startKingdeeEmulator({
  forms: { BD_Customer: { ...DEFAULT_FORMS.BD_Customer!, fields: { ...DEFAULT_FORMS.BD_Customer!.fields, F_SYNC_SourceId: { kind: 'text', maxLength: 80 } } } },
  maxQueryLimit: 10_000,
});
process.stdout.write(`${JSON.stringify({ salesforce: sf.url, organizationId: sf.organizationId, kingdee: kd.serverUrl, kingdeeAdmin: kd.url, acctId: kd.acctId })}\n`);
const stop = (): void => void Promise.all([sf.close(), kd.close()]).then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
