/**
 * An emulator of `bench:worker`, in a process of its own so the worker under test has its core to
 * itself: `salesforce` (Account with CurrencyIsoCode) or `kingdee` (BD_Customer with F_SYNC_SourceId),
 * the custom fields the example repo's schemas declare; both when no argument is given. Prints one JSON
 * line with the addresses, then serves until killed. Driven through the emulators' admin endpoints.
 */
import { DEFAULT_FORMS } from '../connectors/kingdee-k3cloud/emulator/forms.ts';
import { startKingdeeEmulator } from '../connectors/kingdee-k3cloud/emulator/server.ts';
import { DEFAULT_OBJECTS } from '../connectors/salesforce/emulator/objects.ts';
import { startSalesforceEmulator } from '../connectors/salesforce/emulator/server.ts';

const which = process.argv[2];
const servers: { close(): Promise<void> }[] = [];
const info: Record<string, string> = {};
if (which === undefined || which === 'salesforce') {
  const sf = await startSalesforceEmulator({
    objects: { Account: { ...DEFAULT_OBJECTS.Account!, fields: { ...DEFAULT_OBJECTS.Account!.fields, CurrencyIsoCode: { type: 'picklist', length: 3 } } } },
  });
  servers.push(sf);
  Object.assign(info, { salesforce: sf.url, organizationId: sf.organizationId });
}
if (which === undefined || which === 'kingdee') {
  const kd = await startKingdeeEmulator({
    forms: { BD_Customer: { ...DEFAULT_FORMS.BD_Customer!, fields: { ...DEFAULT_FORMS.BD_Customer!.fields, F_SYNC_SourceId: { kind: 'text', maxLength: 80 } } } },
    maxQueryLimit: 10_000,
  });
  servers.push(kd);
  Object.assign(info, { kingdee: kd.serverUrl, kingdeeAdmin: kd.url, acctId: kd.acctId });
}
process.stdout.write(`${JSON.stringify(info)}\n`);
const stop = (): void => void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
