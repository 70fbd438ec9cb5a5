// Access control, like Jupyter: the server prints a URL with a token; `/?token=...` puts it in
// an HttpOnly cookie and redirects to the clean URL. Pages, data and sockets without the token
// are refused; sockets from a foreign Origin are refused even with it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const COOKIE = 'nslab_token';
/** A seat's token (a class's student), set by /join/TOKEN. */
export const SEAT_COOKIE = 'nslab_seat';

/** Finds the lab a seat token opens (server/classes/store.ts); null for an unknown or revoked token. */
export type SeatLookup = (token: string) => { lab: string; class?: string } | null;

/** Who a request is: the instructor (the server's token), a seat (its lab), or nobody. */
export function whoIs(req: IncomingMessage, token: string, seatOf?: SeatLookup): { role: 'instructor' } | { role: 'seat'; lab: string; class?: string } | null {
  if (isAuthorized(req, token)) return { role: 'instructor' };
  const seat = readCookie(req.headers.cookie, SEAT_COOKIE);
  const found = seat && seatOf ? seatOf(seat) : null;
  return found ? { role: 'seat', lab: found.lab, ...(found.class ? { class: found.class } : {}) } : null;
}

/** NSLAB_TOKEN, else 32 random hex digits. */
export function chooseToken(env = process.env): string {
  return env.NSLAB_TOKEN?.trim() || randomBytes(16).toString('hex');
}

export function sameToken(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The token a request carries: the cookie, or `Authorization: Bearer TOKEN` (scripts, tests). */
export function requestToken(req: IncomingMessage): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return bearer?.[1] ?? readCookie(req.headers.cookie, COOKIE);
}

export function isAuthorized(req: IncomingMessage, token: string): boolean {
  return sameToken(requestToken(req), token);
}

/**
 * A browser's Origin must be this server itself (scheme + the Host it was reached at).
 * Non-browser clients send no Origin; they still need the token.
 */
export function isSameOrigin(req: IncomingMessage, scheme: 'http' | 'https' = 'http'): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return !!req.headers.host && origin === `${scheme}://${req.headers.host}`;
}

/** Addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/**
 * What `nslab serve` warns when others can reach it over plain HTTP: the token (in the URL and
 * then in the cookie) travels in clear. null when listening on loopback, or over HTTPS.
 */
export function clearTextWarning(host: string, https: boolean): string | null {
  if (https || isLoopback(host)) return null;
  return `listening on ${host}, which other machines can reach, over plain HTTP: the access token travels in clear and anyone on the network path can read it; give --tls-cert FILE and --tls-key FILE to serve over HTTPS`;
}

/** Next's build output is public (no lab data in it); everything else needs the token. */
function isPublicAsset(path: string): boolean {
  return path.startsWith('/_next/static/') || path === '/favicon.ico';
}

const REFUSED_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>nslab: access token needed</title>
<style>body{font:18px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1d2733}code{background:#eef1f4;padding:.1rem .3rem;border-radius:4px}</style></head>
<body><h1>Access token needed</h1><p>This nslab dashboard only answers to the URL it printed when it started, the one ending in <code>/?token=…</code>.</p>
<p>Open that URL (look at the terminal where <code>npm start</code> or <code>nslab serve</code> runs). To choose the token yourself, start the server with <code>NSLAB_TOKEN=…</code>.</p></body></html>`;

/**
 * Handles access for one HTTP request (`secure`: served over HTTPS, the cookie is Secure). Returns true when the request may go on to Next;
 * otherwise it has answered (redirect after setting the cookie, or 401).
 */
export function guardHttp(req: IncomingMessage, res: ServerResponse, token: string, secure = false, seatOf?: SeatLookup): boolean {
  const url = new URL(req.url ?? '/', 'http://localhost');
  // a seat's join URL: the seat cookie, then its lab
  const join = /^\/join\/([A-Za-z0-9_-]{16,64})$/.exec(url.pathname);
  if (join && seatOf) {
    const seat = seatOf(join[1]!);
    if (!seat) return forbid(res, 'This join link is not valid (the seat was revoked, or the class has ended). Ask your instructor for a new one.');
    res.writeHead(303, {
      'Set-Cookie': `${SEAT_COOKIE}=${encodeURIComponent(join[1]!)}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`,
      Location: `/labs/${seat.lab}`,
      'Cache-Control': 'no-store',
    });
    res.end();
    return false;
  }
  const given = url.searchParams.get('token');
  if (given !== null) {
    if (!sameToken(given, token)) return refuse(res);
    url.searchParams.delete('token');
    res.writeHead(303, {
      // Secure when served over HTTPS: the browser then never sends the token over plain HTTP.
      'Set-Cookie': `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`,
      Location: url.pathname + (url.search || ''),
      'Cache-Control': 'no-store',
    });
    res.end();
    return false;
  }
  if (isPublicAsset(url.pathname) || isAuthorized(req, token)) return true;
  const who = whoIs(req, token, seatOf);
  if (who?.role === 'seat') {
    // a seat opens its own lab's page, and nothing else
    if (url.pathname === `/labs/${who.lab}`) return true;
    return forbid(res, `This seat opens only lab ${who.lab}.`);
  }
  return refuse(res);
}

function forbid(res: ServerResponse, why: string): false {
  res.writeHead(403, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>nslab: not for this seat</title></head><body><h1>Not for this seat</h1><p>${why.replace(/[<>&]/g, '')}</p></body></html>`);
  return false;
}

function refuse(res: ServerResponse): false {
  res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(REFUSED_PAGE);
  return false;
}
