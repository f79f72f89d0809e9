export { benchVerify } from './verify-bench';
