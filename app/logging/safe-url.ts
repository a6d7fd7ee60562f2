/**
 * A configured address without what may carry a credential: user info, the query string, the fragment,
 * and long path segments (a key put in the path). Support sees which host, and that something was cut.
 */
export function safeUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'задан (неверный адрес)';
  }
  const path = url.pathname
    .split('/')
    .map((segment) => (segment.length > 16 ? '…' : segment))
    .join('/');
  const cut = url.username || url.password || url.search || url.hash;
  return `${url.protocol}//${url.host}${path === '/' ? '' : path}${cut ? ' (часть адреса скрыта)' : ''}`;
}
