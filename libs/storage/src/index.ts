export type { ByteRange, OpenedObject, PutOptions, StagedObject, StorageAdapter, StoredObject } from './storage-adapter';
export { LocalStorage } from './local-storage';
export { TEMP_DIR_NAME } from './object-key';
