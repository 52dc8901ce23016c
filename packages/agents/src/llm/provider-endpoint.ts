/** Where one provider's chat completions are, and the headers every call carries. */
export interface ProviderEndpoint {
  url: string;
  headers: Readonly<Record<string, string>>;
}

export interface EndpointSettings {
  /** An OpenAI-compatible API root, e.g. https://api.openai.com/v1. */
  baseUrl: string;
  apiKey?: string;
  /**
   * The header the key goes in, as its bare value (Azure OpenAI: `api-key`); by default it
   * goes in `Authorization: Bearer`.
   */
  apiKeyHeader?: string;
  /** Headers every call carries (an organization, a project, a gateway's own auth). */
  headers?: Readonly<Record<string, string>>;
  /** Query parameters every call carries (Azure OpenAI: `api-version`). */
  query?: Readonly<Record<string, string>>;
}

/** The URL and headers of a provider's `/chat/completions`. */
export function providerEndpoint(settings: EndpointSettings): ProviderEndpoint {
  const url = new URL(`${settings.baseUrl.replace(/\/+$/, '')}/chat/completions`);
  for (const [name, value] of Object.entries(settings.query ?? {})) {
    url.searchParams.set(name, value);
  }
  const auth: Record<string, string> = {};
  if (settings.apiKey) {
    if (settings.apiKeyHeader) auth[settings.apiKeyHeader] = settings.apiKey;
    else auth.authorization = `Bearer ${settings.apiKey}`;
  }
  return { url: url.toString(), headers: { ...settings.headers, ...auth } };
}
