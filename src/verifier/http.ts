/**
 * GET a public JSON document the way the verifier needs it: no cookies, no cache, and patient with the
 * service's limits — a big plan takes many pages, and a 429 or 503 says in Retry-After when to come back.
 */
const MAX_RETRIES = 5;
const MAX_WAIT_SECONDS = 60;

export async function getPublicJson<T>(url: string): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'omit', cache: 'no-store' });
    if (res.ok) return (await res.json()) as T;
    const wait = Number(res.headers.get('retry-after'));
    if ((res.status === 429 || res.status === 503) && attempt < MAX_RETRIES && Number.isFinite(wait) && wait >= 0) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, MAX_WAIT_SECONDS) * 1000 + 100));
      continue;
    }
    throw new Error(`GET ${url}: HTTP ${res.status}`);
  }
}
