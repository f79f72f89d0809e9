import type { Connection, Model, Schema } from 'mongoose';

/**
 * The connection's model of that name, registered on first use. Models live on the given
 * connection, so stores on different connections (tests, two databases) never share one.
 */
export function modelOn<T>(connection: Connection, name: string, schema: Schema<T>, collection?: string): Model<T> {
  return (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema, collection);
}
