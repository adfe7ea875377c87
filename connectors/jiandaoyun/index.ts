/** Jiandaoyun v5 connector and its emulator (see connectors/shared/README.md). */
export { createJiandaoyunConnector, JDY_MAX_BATCH, JiandaoyunConnector } from './connector.ts';
export { JiandaoyunClient, type JiandaoyunConfig, type JiandaoyunFormRef } from './client.ts';
export { DEFAULT_JDY_FORM, startJiandaoyunEmulator, type JiandaoyunEmulator, type JiandaoyunEmulatorOptions } from './emulator/server.ts';
