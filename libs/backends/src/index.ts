export { connectRedis, type RedisBackend } from './redis';
export { connectMongo, type MongoBackend } from './mongo';
export { connectElasticsearch, type ElasticBackend } from './elasticsearch';
export { connectBackends, type BackendNeeds, type Backends } from './connect-backends';
export { modelOn } from './models';
