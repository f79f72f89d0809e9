import type { Express } from 'express';
import request, { type Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { CSRF_FIELD } from '../csrf';

/** The hidden CSRF field's value in a page's markup. */
export function csrfIn(markup: string): string {
  const match = new RegExp(`name="${CSRF_FIELD}" value="([^"]+)"`).exec(markup);
  if (!match) throw new Error('the page has no CSRF field');
  return match[1];
}

/** A cookie-keeping client of the console, as a browser without JavaScript uses it. */
export class ConsoleBrowser {
  readonly agent: TestAgent;

  constructor(app: Express) {
    this.agent = request.agent(app);
  }

  /** Opens the login page and sends the form with its CSRF token. */
  async login(username: string, password: string, next?: string): Promise<Response> {
    const page = await this.agent.get('/login');
    return this.agent
      .post('/login')
      .type('form')
      .send({ [CSRF_FIELD]: csrfIn(page.text), username, password, ...(next !== undefined && { next }) });
  }

  /** Sends a console form the way its page would: with the CSRF token of a page of this session. */
  async submit(path: string, fields: Record<string, string>, from = '/console'): Promise<Response> {
    const page = await this.agent.get(from);
    return this.agent
      .post(path)
      .type('form')
      .send({ [CSRF_FIELD]: csrfIn(page.text), ...fields });
  }
}
