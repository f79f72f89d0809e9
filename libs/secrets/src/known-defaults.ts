/**
 * Values that are public and therefore worthless as secrets: every value ClearML's server has
 * shipped in its default secure.conf, and the placeholders its docs tell operators to replace.
 * Matching is exact; the list only grows.
 */
const PUBLISHED_DEFAULTS = [
  // secure.http.session_secret.apiserver
  'Gx*gB-L2U8!Naqzd#8=7A4&+=In4H(da424H33ZTDQRGF6=FWw',
  'V8gcW3EneNDcNfO7G_TSUsWe7uLozyacc9_I33o7bxUo8rCN31VLRg',
  // secure.auth.token_secret
  '7E1ua3xP9GT2(cIQOfhjp+gwN6spBeCAmN-XuugYle00I=Wc+u',
  'Rq8FW84sSqVgq7WvBB_4EzNl9y8z8IGiDXX3C345_a5AZfcwZcwCIA',
  // secure.credentials.*.user_key
  '62T8CP7HGBC6647XF9314C2VY67RJO',
  'EGRTCO8JMSIGI6S39GTP43NFWXDQOW',
  'EYVQ385RW7Y2QQUH88CZ7DWIQ1WUHP',
  'GSQWPEKSKNKF354LC9V6BHXKTYFD5I',
  'P4BMJA7RK3TKBXGSY8OAA1FA8TOD11',
  // secure.credentials.*.user_secret
  '9LsgSfa0SYz0zli1_c500ZcLqanre2xkWOpepyt1w-BKK3_DKPHrtoj3JSHvyy8bIi0',
  'FhS8VZv_I4%6Mo$8S1BWc$n$=o1dMYSivuiWU-Vguq7qGOKskG-d+b@tn_Iq',
  'LPEJbGJ6bK4tujQcmrD3i1dbMBDdwUwelVa-LG0K0FFmY9bzH_H0Sw',
  'OjxF-nxfMMZ-pzFNQpLqHKBlca9OxmD8C-ZbQqTx5Ill1kwCVFj2CR2HQGjLlFGvYTc',
  'XhkH6a6ds9JBnM_MrahYyYdO-wS2bqFSm8gl-V0UZXH26Ydd6Eyi28TeBEoSr6Z3Bes',
  'gaOfhDX2-bpkeI7-cwEcaMuGijxaG2UG3jbIvg4DxmVGF0LNI7rgvCb1-ne38IlBo1w',
  'tuBXcGQBECsEhcNiK2kiWi750z9r8Z85XrQ9V0c24huTuCb2xf2X1nKG',
  'x!XTov_G-#vspE*Y(h$Anm&DIc5Ou-F)jsl$PdOyj5wG1&E!Z8',
  'yfc8KQo*GMXb*9p((qcYC7ByFIpF7I&4VH3BfUYXH%o9vX1ZUZQEEw1Inc)S',
];

/** Placeholders copied from documentation, compared case-insensitively. */
const PLACEHOLDERS = ['new-secret-string', 'new-key-string', 'changeme', 'change-me', 'secret', 'password'];

const KNOWN = new Set(PUBLISHED_DEFAULTS);

export function isKnownDefault(value: string): boolean {
  const trimmed = value.trim();
  return KNOWN.has(trimmed) || PLACEHOLDERS.includes(trimmed.toLowerCase());
}
