// The web bridge's Content-Security-Policy must be one Chromium accepts whole: CSP source
// expressions have no syntax for IPv6 literals, so a `ws://[::1]:port` source is rejected as
// invalid (the fault the e2e suite used to ignore). The e2e suite now fails on any console error.
import { describe, expect, it } from 'vitest';
import { pageCsp } from '../../main/web-bridge/server.ts';

// CSP3 host-source: scheme://host[:port] where host is `*`, `*.name` or a DNS name / IPv4 — no brackets.
const hostSource = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(?:\d+|\*))?(?:\/[^\s;,]*)?$/i;
const keyword = /^'(?:self|none|unsafe-inline|unsafe-eval|strict-dynamic)'$|^(?:data|blob|https?|wss?):$/;

describe('web bridge CSP', () => {
  it('every source of every directive is valid CSP syntax (no IPv6 literal)', () => {
    const csp = pageCsp(5173);
    expect(csp).not.toContain('[');
    for (const directive of csp.split(';').map((d) => d.trim()).filter(Boolean)) {
      const [name, ...sources] = directive.split(/\s+/);
      expect(name).toMatch(/^[a-z-]+$/);
      for (const s of sources) expect(keyword.test(s) || hostSource.test(s), `${name}: ${s}`).toBe(true);
    }
    // The socket stays reachable: 'self' (same host and port, ws: included by CSP3) plus the two IPv4/localhost spellings.
    expect(csp).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:5173 ws:\/\/localhost:5173/);
  });
});
