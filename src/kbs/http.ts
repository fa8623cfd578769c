import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { KbsUnavailable } from "./errors.js";

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const MAX_RESPONSE = 1 << 20;

/** One HTTP(S) exchange with a bounded response and a timeout. `ca` pins the broker's TLS root. */
export function exchange(
  method: "GET" | "POST",
  url: URL,
  options: { body?: unknown; headers?: Record<string, string>; ca?: Buffer; timeoutMs?: number },
): Promise<HttpResponse> {
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const request = url.protocol === "https:" ? httpsRequest : url.protocol === "http:" ? httpRequest : undefined;
  if (!request) return Promise.reject(new KbsUnavailable(`the broker URL must be http(s)://, not ${url.protocol}`));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: options.ca,
        timeout: options.timeoutMs ?? 30_000,
        headers: { accept: "application/json", ...(payload ? { "content-type": "application/json", "content-length": String(payload.length) } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE) req.destroy(new KbsUnavailable(`the broker's answer to ${method} ${url.pathname} exceeds ${MAX_RESPONSE} bytes`));
          else chunks.push(c);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new KbsUnavailable(`the broker did not answer ${method} ${url.pathname} in time`)));
    req.on("error", (e) => reject(e instanceof KbsUnavailable ? e : new KbsUnavailable(`cannot reach the broker at ${url.origin}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { cause: e })));
    req.end(payload);
  });
}
