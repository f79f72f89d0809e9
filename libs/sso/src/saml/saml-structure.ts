import { DOMParser } from '@xmldom/xmldom';
import { WardenError } from '@warden/errors';

const PROTOCOL_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';
const COMMENT_NODE = 8;
const ELEMENT_NODE = 1;

const elements = (root: Element, ns: string, name: string): Element[] => Array.from(root.getElementsByTagNameNS(ns, name) as unknown as ArrayLike<Element>);
// xmldom gives text and comment nodes no childNodes at all.
const childNodes = (node: Node): Node[] => (node.childNodes ? Array.from(node.childNodes as unknown as ArrayLike<Node>) : []);

function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const child of childNodes(node)) walk(child, visit);
}

/**
 * The shape every honest SAML response has, checked before any signature: one Response, exactly
 * one Assertion, unique IDs, no comments in the assertion, no DOCTYPE. Signature wrapping needs a
 * second Assertion or Response (or a duplicated ID) for the signature to point at while the SP reads
 * another; a comment splits a signed NameID where canonicalization ignores it. Refusing the shapes
 * outright leaves nothing for a parser difference between the verifier and the reader to exploit.
 */
export function checkResponseShape(xml: string): { unsignedAssertion: boolean } {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new WardenError('ERR_SAML_RESPONSE_INVALID', 'the SAML response declares a DOCTYPE');
  let problem: string | undefined;
  let doc: Document | undefined;
  try {
    doc = new DOMParser({ errorHandler: (level: string, message: unknown) => void (level !== 'warning' && (problem ??= String(message))) }).parseFromString(
      xml,
      'text/xml',
    );
  } catch (error) {
    problem ??= error instanceof Error ? error.message : 'unreadable';
  }
  const root = doc?.documentElement;
  if (problem || !root || root.namespaceURI !== PROTOCOL_NS || root.localName !== 'Response') throw new WardenError('ERR_SAML_RESPONSE_INVALID');
  const assertions = elements(root, ASSERTION_NS, 'Assertion');
  if (elements(root, PROTOCOL_NS, 'Response').length > 0 || assertions.length > 1) throw new WardenError('ERR_SAML_WRAPPING');
  const ids = new Set<string>();
  walk(root, (node) => {
    const id = node.nodeType === ELEMENT_NODE ? (node as Element).getAttribute('ID') : null;
    if (id && ids.has(id)) throw new WardenError('ERR_SAML_WRAPPING', 'two elements of the SAML response share one ID');
    if (id) ids.add(id);
  });
  const [assertion] = assertions;
  if (!assertion) throw noAssertion(root);
  walk(assertion, (node) => {
    if (node.nodeType === COMMENT_NODE) throw new WardenError('ERR_SAML_COMMENT');
  });
  const signedChild = childNodes(assertion).some((c) => (c as Element).localName === 'Signature' && (c as Element).namespaceURI === DS_NS);
  return { unsignedAssertion: !signedChild };
}

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

/**
 * A response without an assertion is an IdP's failure (user not assigned, cancelled): its status
 * and message, as the IdP wrote them, for the admin's Test Provider page. Unsigned, so never trusted
 * for more than that text.
 */
function noAssertion(root: Element): WardenError {
  const status = elements(root, PROTOCOL_NS, 'StatusCode').map((e) => e.getAttribute('Value') ?? '');
  if (status.length === 0 || status[0] === SUCCESS) return new WardenError('ERR_SAML_RESPONSE_INVALID', 'the SAML response carries no assertion');
  const message = elements(root, PROTOCOL_NS, 'StatusMessage')[0]?.textContent ?? '';
  const codes = status.map((v) => v.replace(/^urn:oasis:names:tc:SAML:2\.0:status:/, '')).join('/');
  return new WardenError('ERR_SAML_STATUS', `the IdP answered ${codes}${message ? `: ${message}` : ''}`.slice(0, 500));
}
