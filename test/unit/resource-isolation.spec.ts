import type { IncomingHttpHeaders } from 'node:http';
import { checkResourceIsolation, type ResourceIsolationVerdict } from '../../lib/policy/resource-isolation.js';
import { compilePolicy } from '../support/policies.js';

const partners = compilePolicy({
  origins: ['https://app.example.com', 'https://*.partner.example.com'],
  credentials: true,
});
const tenants = compilePolicy({ origins: async () => true });
const open = compilePolicy({ origins: '*' });

/** What Chromium sends for each kind of request (see the Fetch Metadata spec's examples). */
const image = { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' };
const script = { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' };
const style = { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'style' };
const prefetch = { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'empty' };
const link = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-user': '?1' };
const scriptedNavigation = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
const iframe = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' };
const object = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'object' };
const embed = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'embed' };

const allow = (reason: string): ResourceIsolationVerdict => ({ allowed: true, reason }) as ResourceIsolationVerdict;
const refuse = (reason: string): ResourceIsolationVerdict => ({ allowed: false, reason }) as ResourceIsolationVerdict;

describe('checkResourceIsolation', () => {
  describe('requests that carry no Origin, on a policy with a list of origins', () => {
    it.each<[string, string, IncomingHttpHeaders, ResourceIsolationVerdict]>([
      // cross-site: another site's page
      [
        'refuses a cross-site image load that carries no Origin',
        'GET',
        { 'sec-fetch-site': 'cross-site', ...image },
        refuse('cross_site_without_origin'),
      ],
      [
        'refuses a cross-site <script> include (XSSI)',
        'GET',
        { 'sec-fetch-site': 'cross-site', ...script },
        refuse('cross_site_without_origin'),
      ],
      [
        'refuses a cross-site stylesheet',
        'GET',
        { 'sec-fetch-site': 'cross-site', ...style },
        refuse('cross_site_without_origin'),
      ],
      [
        'refuses a cross-site no-cors fetch or prefetch',
        'GET',
        { 'sec-fetch-site': 'cross-site', ...prefetch },
        refuse('cross_site_without_origin'),
      ],
      [
        'refuses a cross-site HEAD that is not a navigation',
        'HEAD',
        { 'sec-fetch-site': 'cross-site', ...image },
        refuse('cross_site_without_origin'),
      ],
      [
        'lets a cross-site link through (a top-level GET navigation)',
        'GET',
        { 'sec-fetch-site': 'cross-site', ...link },
        allow('navigation'),
      ],
      [
        'lets a script-driven cross-site navigation through (no Sec-Fetch-User)',
        'GET',
        { 'sec-fetch-site': 'cross-site', ...scriptedNavigation },
        allow('navigation'),
      ],
      ['lets a HEAD navigation through', 'HEAD', { 'sec-fetch-site': 'cross-site', ...link }, allow('navigation')],
      [
        'lets a cross-site <iframe> through (framing is for X-Frame-Options / frame-ancestors)',
        'GET',
        { 'sec-fetch-site': 'cross-site', ...iframe },
        allow('navigation'),
      ],
      [
        'lets a navigation without Sec-Fetch-Dest through',
        'GET',
        { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
        allow('navigation'),
      ],
      [
        'refuses a cross-site <object> load, a navigation in mode only',
        'GET',
        { 'sec-fetch-site': 'cross-site', ...object },
        refuse('cross_site_without_origin'),
      ],
      [
        'refuses a cross-site <embed> load, a navigation in mode only',
        'GET',
        { 'sec-fetch-site': 'cross-site', ...embed },
        refuse('cross_site_without_origin'),
      ],
      [
        'refuses a cross-site POST navigation that lost its Origin',
        'POST',
        { 'sec-fetch-site': 'cross-site', ...link },
        refuse('cross_site_without_origin'),
      ],
      [
        'refuses a cross-site PUT without Origin',
        'PUT',
        { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' },
        refuse('cross_site_without_origin'),
      ],
      [
        'compares the method case-sensitively: a lowercase get is not a navigation method',
        'get',
        { 'sec-fetch-site': 'cross-site', ...link },
        refuse('cross_site_without_origin'),
      ],
      [
        'does not count Sec-Fetch-User as a navigation: a user activation flag on an image load changes nothing',
        'GET',
        { 'sec-fetch-site': 'cross-site', ...image, 'sec-fetch-user': '?1' },
        refuse('cross_site_without_origin'),
      ],
      [
        'ignores an unknown Sec-Fetch-Mode: not a navigation',
        'GET',
        { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'nested-navigate' },
        refuse('cross_site_without_origin'),
      ],
      [
        'refuses a cross-site load that has no Sec-Fetch-Mode at all',
        'GET',
        { 'sec-fetch-site': 'cross-site' },
        refuse('cross_site_without_origin'),
      ],
      // same-site: a sibling subdomain, another origin the policy may not list
      [
        'refuses a same-site image load (a sibling subdomain the policy cannot check without Origin)',
        'GET',
        { 'sec-fetch-site': 'same-site', ...image },
        refuse('same_site_without_origin'),
      ],
      [
        'refuses a same-site <script> include',
        'GET',
        { 'sec-fetch-site': 'same-site', ...script },
        refuse('same_site_without_origin'),
      ],
      ['lets a same-site link through', 'GET', { 'sec-fetch-site': 'same-site', ...link }, allow('navigation')],
      [
        'refuses a same-site <object> load',
        'GET',
        { 'sec-fetch-site': 'same-site', ...object },
        refuse('same_site_without_origin'),
      ],
      // same-origin and user-initiated
      [
        'lets a same-origin image load through',
        'GET',
        { 'sec-fetch-site': 'same-origin', ...image },
        allow('same_origin'),
      ],
      [
        'lets a same-origin fetch through, GET or not',
        'DELETE',
        { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' },
        allow('same_origin'),
      ],
      [
        'lets a same-origin <object> load through',
        'GET',
        { 'sec-fetch-site': 'same-origin', ...object },
        allow('same_origin'),
      ],
      [
        'lets a request the user typed in the address bar through (none)',
        'GET',
        { 'sec-fetch-site': 'none', ...link },
        allow('user_initiated'),
      ],
      [
        'lets a user-initiated request through whatever its mode (none)',
        'POST',
        { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'no-cors' },
        allow('user_initiated'),
      ],
      // no (valid) Fetch Metadata
      [
        'lets a request without Fetch Metadata through (older browsers, plain HTTP, curl)',
        'GET',
        {},
        allow('no_fetch_metadata'),
      ],
      [
        'lets a non-browser POST without any Sec-Fetch-* through',
        'POST',
        { 'content-type': 'application/json' },
        allow('no_fetch_metadata'),
      ],
      [
        'lets a request with only Sec-Fetch-Mode and Sec-Fetch-Dest through (no Sec-Fetch-Site)',
        'GET',
        image,
        allow('no_fetch_metadata'),
      ],
      [
        'treats an empty Sec-Fetch-Site as absent',
        'GET',
        { 'sec-fetch-site': '', ...image },
        allow('no_fetch_metadata'),
      ],
      [
        'ignores an unknown Sec-Fetch-Site value, as the spec says servers should',
        'GET',
        { 'sec-fetch-site': 'same-planet', ...image },
        allow('no_fetch_metadata'),
      ],
      [
        'compares Sec-Fetch-Site as a token: CROSS-SITE is not one of the four values',
        'GET',
        { 'sec-fetch-site': 'CROSS-SITE', ...image },
        allow('no_fetch_metadata'),
      ],
      [
        'ignores a repeated Sec-Fetch-Site (Node joins it into a list, not a token)',
        'GET',
        { 'sec-fetch-site': 'cross-site, same-origin', ...image },
        allow('no_fetch_metadata'),
      ],
    ])('%s', (_behaviour, method, headers, verdict) => {
      expect(checkResourceIsolation(partners, { method, headers })).toEqual(verdict);
    });

    it('refuses the same way when the policy is an origin callback: it has no origin to ask about', () => {
      expect(
        checkResourceIsolation(tenants, { method: 'GET', headers: { 'sec-fetch-site': 'cross-site', ...script } }),
      ).toEqual(refuse('cross_site_without_origin'));
    });

    it('lets a request without a method through only as what its headers say', () => {
      expect(checkResourceIsolation(partners, { headers: { 'sec-fetch-site': 'cross-site', ...link } })).toEqual(
        refuse('cross_site_without_origin'),
      );
      expect(checkResourceIsolation(partners, { headers: { 'sec-fetch-site': 'same-origin' } })).toEqual(
        allow('same_origin'),
      );
    });
  });

  describe('a policy that allows any origin', () => {
    it.each<[string, IncomingHttpHeaders]>([
      ['a cross-site image load', { 'sec-fetch-site': 'cross-site', ...image }],
      ['a cross-site <script> include', { 'sec-fetch-site': 'cross-site', ...script }],
      ['a same-site <object> load', { 'sec-fetch-site': 'same-site', ...object }],
    ])(
      'lets %s through: the route is public, and any site may send the same GET with an Origin * allows',
      (_request, headers) => {
        expect(checkResourceIsolation(open, { method: 'GET', headers })).toEqual(allow('any_origin'));
      },
    );
  });

  describe('requests that carry Origin: the origin check decides, not Fetch Metadata', () => {
    it.each<[string, IncomingHttpHeaders]>([
      [
        'a cross-site fetch from an allowed origin',
        {
          origin: 'https://app.example.com',
          'sec-fetch-site': 'cross-site',
          'sec-fetch-mode': 'cors',
          'sec-fetch-dest': 'empty',
        },
      ],
      [
        'a cross-site fetch from an origin the policy does not list',
        { origin: 'https://evil.example.org', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
      ],
      [
        'a <script crossorigin> from a sibling subdomain',
        {
          origin: 'https://www.example.com',
          'sec-fetch-site': 'same-site',
          'sec-fetch-mode': 'cors',
          'sec-fetch-dest': 'script',
        },
      ],
      [
        'a cross-site no-cors POST (form or fetch), which always carries Origin',
        {
          origin: 'https://evil.example.org',
          'sec-fetch-site': 'cross-site',
          'sec-fetch-mode': 'navigate',
          'sec-fetch-dest': 'document',
        },
      ],
      [
        'a request whose Origin is null',
        { origin: 'null', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' },
      ],
      ['an empty Origin header', { origin: '', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }],
    ])('leaves %s to the origin check', (_request, headers) => {
      expect(checkResourceIsolation(partners, { method: 'POST', headers })).toEqual(allow('origin_present'));
    });
  });

  it('answers with shared frozen verdicts: nothing is allocated per request', () => {
    const headers = { 'sec-fetch-site': 'cross-site', ...image };
    const first = checkResourceIsolation(partners, { method: 'GET', headers });
    expect(checkResourceIsolation(partners, { method: 'GET', headers })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});
