import { authnRequestIdOf } from '../saml/saml-service-provider';
import type { TestBrowser } from './sso-harness';

export interface AcsAnswer {
  status: number;
  /** Where a refusal sends the browser (the login page with its code). */
  location: string;
  /** The same-origin finish URL of the ACS's page (meta refresh), when the response was accepted. */
  finish?: string;
  text: string;
  setCookies: string[];
}

export interface SamlStart {
  /** The IdP redirect the gateway answered. */
  location: string;
  relay: string;
  requestId: string;
}

/** A browser starts a SAML sign-in (or a Test Provider run) through a stored connection. */
export async function startSaml(browser: TestBrowser, id: string, route: 'login' | 'test' = 'login'): Promise<SamlStart> {
  const start = await browser.get(`/sso/${id}/${route}`);
  if (start.status !== 302) throw new Error(`start answered ${start.status} ${start.location}`);
  const relay = new URL(start.location).searchParams.get('RelayState') ?? '';
  return { location: start.location, relay, requestId: authnRequestIdOf(start.location) };
}

/** The IdP's POST to the ACS: cross-site, so the browser's SameSite=Lax cookies are not sent (none are here). */
export async function postToAcs(base: string, id: string, form: Record<string, string> | string): Promise<AcsAnswer> {
  const body = typeof form === 'string' ? form : new URLSearchParams(form).toString();
  const res = await fetch(`${base}/sso/${id}/acs`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  const text = await res.text();
  const finish = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(text)?.[1];
  return { status: res.status, location: res.headers.get('location') ?? '', finish, text, setCookies: res.headers.getSetCookie() };
}
