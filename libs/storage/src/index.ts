export type { ByteRange, OpenedObject, PutOptions, StagedObject, StorageAdapter, StoredObject } from './storage-adapter';
export { LocalStorage } from './local-storage';
export { MAX_KEY_BYTES, TEMP_DIR_NAME } from './object-key';
