export { TestPki, type Issued, type LeafOptions } from './pki';
