const HOST_PATTERN = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The absolute base URL clients reach us at: the configured public URL when
 * there is one, else the request's own protocol and host (which already honour
 * X-Forwarded-* when proxy headers are trusted). A malformed Host header falls
 * back to the address the request came in on rather than being echoed.
 */
export function baseUrl(publicUrl: string, request: { protocol: string; host: string; localHost: () => string }): string {
  if (publicUrl !== '') return publicUrl.replace(/\/+$/, '');
  const host = HOST_PATTERN.test(request.host) ? request.host : request.localHost();
  const protocol = request.protocol === 'https' ? 'https' : 'http';
  return `${protocol}://${host}`;
}

/** `host:port` of the local end of a connection, IPv6 addresses bracketed. */
export function socketHost(socket: { localAddress?: string | undefined; localPort?: number | undefined }): string {
  const address = socket.localAddress ?? '127.0.0.1';
  return `${address.includes(':') ? `[${address}]` : address}:${socket.localPort ?? 80}`;
}
