/** GET or POST against the API, returning status, headers and parsed JSON (or raw bytes). */
export async function call(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; json: unknown; bytes: Buffer }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const bytes = Buffer.from(await response.arrayBuffer());
  const isJson = response.headers.get('content-type')?.includes('application/json') ?? false;
  return { status: response.status, headers: response.headers, json: isJson ? JSON.parse(bytes.toString('utf8')) : undefined, bytes };
}

export interface IssuedByApi {
  readonly id: string;
  readonly imageUrl: string;
  readonly date?: string;
}

/** Issues one captcha through the classic API. */
export async function issueCaptcha(baseUrl: string, version: '2.0' | '3.0' = '3.0'): Promise<IssuedByApi> {
  const { status, json } = await call(`${baseUrl}/${version}/captcha`);
  if (status !== 200) throw new Error(`issue failed with ${status}: ${JSON.stringify(json)}`);
  const fields = (json as { response: { captchaResponse: { imageHash: string; imageUrl: string; date?: string } } }).response
    .captchaResponse;
  return { id: fields.imageHash, imageUrl: fields.imageUrl, ...(fields.date ? { date: fields.date } : {}) };
}
