// Imported for its type augmentation wherever `req.id` is read, so every project compiling the kit sees it.
declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the request-id middleware from X-Request-Id or freshly generated. */
    id: string;
  }
}

export {};
