// jsonwebtoken's own files for the verify half; @types/jsonwebtoken types only the package index.
declare module 'jsonwebtoken/verify' {
  import { verify } from 'jsonwebtoken';
  export = verify;
}
declare module 'jsonwebtoken/lib/JsonWebTokenError' {
  import { JsonWebTokenError } from 'jsonwebtoken';
  export = JsonWebTokenError;
}
declare module 'jsonwebtoken/lib/NotBeforeError' {
  import { NotBeforeError } from 'jsonwebtoken';
  export = NotBeforeError;
}
declare module 'jsonwebtoken/lib/TokenExpiredError' {
  import { TokenExpiredError } from 'jsonwebtoken';
  export = TokenExpiredError;
}
