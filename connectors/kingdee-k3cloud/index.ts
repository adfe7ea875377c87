/** Kingdee K3Cloud connector and its emulator (see connectors/shared/README.md). */
export { createKingdeeConnector, KingdeeConnector } from './connector.ts';
export { DEFAULT_KINGDEE_FORMS, KingdeeClient, type KingdeeAuth, type KingdeeConfig, type KingdeeFormConfig } from './client.ts';
export { startKingdeeEmulator, type KingdeeEmulator, type KingdeeEmulatorOptions } from './emulator/server.ts';
