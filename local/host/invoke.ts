/**
 * Invoking registered functions the way the Azure Functions Node.js worker does: through the
 * programming model `@azure/functions` installed (`getInvocationModel` → `getArguments` →
 * preInvocation hooks → `invokeFunction` → postInvocation hooks → `getResponse`), with inputs in
 * the worker protocol's typed-data shapes. Going through the library rather than calling handlers
 * directly means the app sees exactly the objects it will see in Azure (HttpRequest, camel-cased
 * timer info, parsed activity input, durable client data).
 */
import { randomUUID } from 'node:crypto';
import type {
  CoreInvocationContext,
  FunctionCallback,
  InvocationState,
  PostInvocationHookContext,
  PreInvocationHookContext,
  RpcHttpData,
  RpcInvocationResponse,
  RpcLogCategory,
  RpcLogLevel,
  RpcParameterBinding,
  RpcTypedData,
} from './coreTypes';
import type { FunctionRegistry, RegisteredFunction } from './functionsCore';
import { bindingsOfType, triggerBinding } from './functionsCore';
import type { RouteTemplate } from './routes';
import { matchTemplate, parseRouteTemplate } from './routes';

/** What to feed one invocation. */
export interface InvokeRequest {
  /** Typed data for the trigger binding. */
  readonly trigger?: RpcTypedData | null;
  /** Typed data for the other input bindings, keyed by binding TYPE (names are generated). */
  readonly inputsByType?: Readonly<Record<string, RpcTypedData>>;
  /** Trigger metadata, as the host would send it (the library ignores it for HTTP and timers). */
  readonly triggerMetadata?: Record<string, RpcTypedData>;
  /** Defaults to a random UUID. */
  readonly invocationId?: string;
}

/** What one invocation produced. */
export interface InvocationOutcome {
  readonly invocationId: string;
  /** The worker-protocol response (`returnValue`, `outputData`). */
  readonly response: RpcInvocationResponse;
  /** The context object the programming model created (an `@azure/functions` InvocationContext). */
  readonly context: unknown;
  /** The handler's result, after postInvocation hooks. */
  readonly result: unknown;
}

/**
 * The handler (or a hook) threw. `cause` is what was thrown; `context` is the invocation context,
 * kept because durable-functions leaves its replay state on it (`context.df`).
 */
export class InvocationError extends Error {
  override readonly name = 'InvocationError';
  constructor(
    readonly functionName: string,
    override readonly cause: unknown,
    readonly context: unknown,
  ) {
    super(`Function "${functionName}" failed: ${errorMessage(cause)}`);
  }
}

/** The message of anything thrown. */
export function errorMessage(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'string') return thrown;
  try {
    return JSON.stringify(thrown) ?? String(thrown);
  } catch {
    return String(thrown);
  }
}

/**
 * Invoke a registered function through the programming model, running pre/post invocation hooks
 * like the worker. Throws `InvocationError` when the handler (or a hook) fails.
 */
export async function invokeFunction(
  registry: FunctionRegistry,
  functionName: string,
  request: InvokeRequest,
): Promise<InvocationOutcome> {
  const fn = registry.require(functionName);
  const model = registry.requireProgrammingModel();
  const invocationId = request.invocationId ?? randomUUID();
  const inputData = buildInputData(fn, request);

  // Filled in once getArguments has created it; logs before that have no context.
  const current: { invocationContext?: unknown } = {};
  const coreCtx: CoreInvocationContext = {
    invocationId,
    request: {
      invocationId,
      functionId: fn.metadata.functionId ?? fn.name,
      inputData,
      ...(request.triggerMetadata ? { triggerMetadata: request.triggerMetadata } : {}),
    },
    metadata: fn.metadata,
    log(level: RpcLogLevel, category: RpcLogCategory, message: string) {
      registry.log(level, category, message, {
        functionName: fn.name,
        invocationId,
        invocationContext: current.invocationContext,
      });
    },
  };
  const setState = (state: InvocationState | undefined): void => {
    coreCtx.state = state;
  };

  const invocationModel = await model.getInvocationModel(coreCtx);
  const args = await invocationModel.getArguments();
  current.invocationContext = args.context;
  const hookData: Record<string, unknown> = {};

  const pre: PreInvocationHookContext = {
    hookData,
    appHookData: registry.appHookData,
    invocationContext: args.context,
    inputs: args.inputs,
    functionCallback: fn.callback,
  };
  setState('preInvocationHooks');
  try {
    for (const hook of registry.hooks('preInvocation')) await hook(pre);
  } catch (err) {
    throw new InvocationError(fn.name, err, args.context);
  } finally {
    setState(undefined);
  }

  const post: PostInvocationHookContext = {
    hookData,
    appHookData: registry.appHookData,
    invocationContext: args.context,
    inputs: pre.inputs,
    result: null,
    error: null,
  };
  const callback: FunctionCallback = pre.functionCallback;
  setState('invocation');
  try {
    post.result = await invocationModel.invokeFunction(args.context, pre.inputs, callback);
  } catch (err) {
    post.error = err;
  } finally {
    setState(undefined);
  }

  setState('postInvocationHooks');
  try {
    for (const hook of registry.hooks('postInvocation')) await hook(post);
  } catch (err) {
    throw new InvocationError(fn.name, err, args.context);
  } finally {
    setState(undefined);
  }

  if (post.error !== null && post.error !== undefined) {
    throw new InvocationError(fn.name, post.error, args.context);
  }
  const response = await invocationModel.getResponse(args.context, post.result);
  return { invocationId, response, context: args.context, result: post.result };
}

function buildInputData(fn: RegisteredFunction, request: InvokeRequest): RpcParameterBinding[] {
  const inputData: RpcParameterBinding[] = [];
  // The trigger entry is always sent, even without data: the library passes inputs positionally,
  // so a missing entry would shift the context object into the handler's first argument.
  inputData.push({ name: triggerBinding(fn).name, data: request.trigger ?? null });
  for (const [type, data] of Object.entries(request.inputsByType ?? {})) {
    const found = bindingsOfType(fn, type).filter((b) => b.binding.direction !== 'out');
    if (found.length === 0) {
      throw new Error(`Function "${fn.name}" has no "${type}" input binding`);
    }
    for (const b of found) inputData.push({ name: b.name, data });
  }
  // A durable client binding without data would only fail later, deep inside getClient().
  for (const b of bindingsOfType(fn, 'durableClient')) {
    if (!inputData.some((d) => d.name === b.name)) {
      throw new Error(
        `Function "${fn.name}" has a durableClient input: pass the engine's clientBindingData() ` +
          `(option durableClient).`,
      );
    }
  }
  return inputData;
}

// ---------------------------------------------------------------------------------------------
// Typed data helpers

/**
 * The JSON text a Durable host records for a function's return value (`TaskCompleted.Result`):
 * strings are JSON-encoded, `json` passes through, numbers print, bytes become a base64 string
 * (as .NET serializes byte[]), and no value at all is the text `null`.
 */
export function typedDataToJsonText(data: RpcTypedData | null | undefined): string {
  if (!data) return 'null';
  if (typeof data.string === 'string') return JSON.stringify(data.string);
  if (typeof data.json === 'string') return data.json;
  if (typeof data.int === 'number') return JSON.stringify(data.int);
  if (typeof data.double === 'number') return JSON.stringify(data.double);
  const bytes = data.bytes ?? data.stream;
  if (bytes) return JSON.stringify(Buffer.from(bytes).toString('base64'));
  return 'null';
}

function clientData(binding: string | object): RpcTypedData {
  return { string: typeof binding === 'string' ? binding : JSON.stringify(binding) };
}

/** Options shared by the convenience wrappers. */
export interface InvokeExtras {
  /** Durable client binding data (`engine.clientBindingData()`), for functions that declare one. */
  readonly durableClient?: string | object;
  readonly invocationId?: string;
}

function extrasToInputs(extras: InvokeExtras | undefined): Record<string, RpcTypedData> {
  return extras?.durableClient !== undefined
    ? { durableClient: clientData(extras.durableClient) }
    : {};
}

/** Rethrow the app's own error rather than the wrapper: tests and hosts want the original. */
async function unwrap<T>(run: Promise<T>): Promise<T> {
  try {
    return await run;
  } catch (err) {
    if (err instanceof InvocationError) throw err.cause;
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** An HTTP request to feed an HTTP-triggered function. */
export interface HttpInvokeRequest {
  readonly method: string;
  /** Absolute URL, e.g. `http://localhost:7071/api/pools/a?x=1`. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string or Buffer is sent as is; anything else is JSON-encoded (content-type defaults to JSON). */
  readonly body?: unknown;
  /** Route parameters; by default matched from the URL against the trigger's route. */
  readonly params?: Readonly<Record<string, string>>;
}

/** What an HTTP-triggered function answered. */
export interface HttpInvokeResult {
  readonly status: number;
  /** Header names are lower-cased, as `Headers` reports them. */
  readonly headers: Record<string, string>;
  /** The body decoded as UTF-8. */
  readonly body: string;
  readonly rawBody: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  readonly jsonBody?: unknown;
  readonly cookies: unknown[];
}

/** The route prefix the Functions host puts before every HTTP route by default. */
export const DEFAULT_ROUTE_PREFIX = 'api';

/** Compiled templates by text: `invokeHttp` matches the same few templates over and over. */
const compiledRoutes = new Map<string, RouteTemplate>();

/**
 * Match a Functions route template (`pools/{name}/scale`, `items/{id:int?}`, `files/{*path}`)
 * against a path (without the `/api/` prefix). Returns the parameters, or undefined on no match.
 * Literal segments compare case-insensitively, as ASP.NET routing does. The full template syntax
 * (constraints, defaults, multi-part segments) is in `routes.ts`; an invalid template throws a
 * RouteTemplateError.
 */
export function matchRoute(template: string, path: string): Record<string, string> | undefined {
  let compiled = compiledRoutes.get(template);
  if (!compiled) {
    compiled = parseRouteTemplate(template);
    compiledRoutes.set(template, compiled);
  }
  return matchTemplate(compiled, path);
}

function routeParams(fn: RegisteredFunction, url: URL): Record<string, string> {
  const binding = triggerBinding(fn).binding;
  const route = typeof binding.route === 'string' ? binding.route : fn.name;
  const prefix = `/${DEFAULT_ROUTE_PREFIX}/`;
  const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
  return matchRoute(route, path) ?? {};
}

function requestBody(
  body: unknown,
  headers: Record<string, string>,
): { bytes: Uint8Array } | undefined {
  if (body === undefined || body === null) return undefined;
  if (Buffer.isBuffer(body)) return { bytes: body };
  if (body instanceof Uint8Array) return { bytes: body };
  if (typeof body === 'string') return { bytes: Buffer.from(body, 'utf8') };
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  return { bytes: Buffer.from(JSON.stringify(body), 'utf8') };
}

/** Build the `{http: …}` typed data the host sends for an HTTP trigger. */
function httpTriggerData(fn: RegisteredFunction, req: HttpInvokeRequest): RpcTypedData {
  const url = new URL(req.url);
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  const method = req.method.toUpperCase();
  const body = method === 'GET' || method === 'HEAD' ? undefined : requestBody(req.body, headers);
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const http: RpcHttpData = {
    method,
    url: url.href,
    headers,
    query,
    params: { ...(req.params ?? routeParams(fn, url)) },
    ...(body ? { body } : {}),
  };
  return { http };
}

function httpResponseData(
  fn: RegisteredFunction,
  response: RpcInvocationResponse,
): RpcHttpData | undefined {
  if (response.returnValue?.http) return response.returnValue.http;
  const httpOutputs = new Set(bindingsOfType(fn, 'http').map((b) => b.name));
  for (const out of response.outputData ?? []) {
    if (httpOutputs.has(out.name) && out.data?.http) return out.data.http;
  }
  return undefined;
}

/** Turn the worker-protocol HTTP response into status, headers and body. */
function toHttpInvokeResult(http: RpcHttpData | undefined): HttpInvokeResult {
  if (!http) {
    // The handler returned nothing: answer like a bodiless success.
    return { status: 204, headers: {}, body: '', rawBody: Buffer.alloc(0), cookies: [] };
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(http.headers ?? {})) headers[k.toLowerCase()] = v;
  const bytes = http.body?.bytes ?? http.body?.stream;
  const rawBody = bytes
    ? Buffer.from(bytes)
    : typeof http.body?.string === 'string'
      ? Buffer.from(http.body.string, 'utf8')
      : Buffer.alloc(0);
  const body = rawBody.toString('utf8');
  let jsonBody: unknown;
  let hasJson = false;
  if (body.length > 0 && (headers['content-type'] ?? '').includes('json')) {
    try {
      jsonBody = JSON.parse(body) as unknown;
      hasJson = true;
    } catch {
      hasJson = false;
    }
  }
  return {
    status: Number(http.statusCode ?? 200),
    headers,
    body,
    rawBody,
    ...(hasJson ? { jsonBody } : {}),
    cookies: [...(http.cookies ?? [])],
  };
}

/**
 * Invoke an HTTP-triggered function with a request and return its response. An exception in the
 * handler is rethrown as is (the host would answer 500).
 */
export async function invokeHttp(
  registry: FunctionRegistry,
  functionName: string,
  req: HttpInvokeRequest,
  extras?: InvokeExtras,
): Promise<HttpInvokeResult> {
  const fn = registry.require(functionName);
  const outcome = await unwrap(
    invokeFunction(registry, functionName, {
      trigger: httpTriggerData(fn, req),
      inputsByType: extrasToInputs(extras),
      ...(extras?.invocationId ? { invocationId: extras.invocationId } : {}),
    }),
  );
  return toHttpInvokeResult(httpResponseData(fn, outcome.response));
}

// ---------------------------------------------------------------------------------------------
// Timer

/** The schedule status a timer trigger reports (times as Date or ISO text). */
export interface TimerScheduleStatus {
  readonly last: Date | string;
  readonly next: Date | string;
  readonly lastUpdated: Date | string;
}

/** What a timer firing looks like to the function. */
export interface TimerInvokeInfo {
  readonly isPastDue?: boolean;
  readonly scheduleStatus?: TimerScheduleStatus | null;
}

const iso = (t: Date | string): string => (typeof t === 'string' ? t : t.toISOString());

/** The `{json: …}` typed data the host sends for a timer trigger (PascalCase; the library camel-cases it). */
function timerTriggerData(info: TimerInvokeInfo = {}): RpcTypedData {
  const status = info.scheduleStatus;
  return {
    json: JSON.stringify({
      Schedule: { AdjustForDST: true },
      ScheduleStatus: status
        ? { Last: iso(status.last), Next: iso(status.next), LastUpdated: iso(status.lastUpdated) }
        : null,
      IsPastDue: info.isPastDue ?? false,
    }),
  };
}

/** Invoke a timer-triggered function; returns its result (normally undefined). */
export async function invokeTimer(
  registry: FunctionRegistry,
  functionName: string,
  info: TimerInvokeInfo = {},
  extras?: InvokeExtras,
): Promise<unknown> {
  const outcome = await unwrap(
    invokeFunction(registry, functionName, {
      trigger: timerTriggerData(info),
      inputsByType: extrasToInputs(extras),
      ...(extras?.invocationId ? { invocationId: extras.invocationId } : {}),
    }),
  );
  return outcome.result;
}

// ---------------------------------------------------------------------------------------------
// Activities

/**
 * Invoke an activity with its input already in JSON text (as a Durable host holds it) and return
 * the result as the JSON text the host records. `undefined` input means "no input".
 * Throws `InvocationError` when the activity throws.
 */
export async function invokeActivityJson(
  registry: FunctionRegistry,
  functionName: string,
  inputJson: string | undefined,
  invocationId?: string,
): Promise<string> {
  const outcome = await invokeFunction(registry, functionName, {
    // `{json}`, never `{string}`: the library JSON-parses strings too, so "123" would become 123.
    trigger: inputJson !== undefined ? { json: inputJson } : null,
    ...(invocationId ? { invocationId } : {}),
  });
  return typedDataToJsonText(outcome.response.returnValue);
}
