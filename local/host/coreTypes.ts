/**
 * The slice of the `@azure/functions-core` contract that the local host implements.
 *
 * The real module is built into the Azure Functions Node.js worker and has no npm package, so
 * these are our own declarations of the shapes `@azure/functions` 4.16 sends and expects. They are
 * deliberately loose (`| null`, optional fields) where the library is loose, because the library
 * is the side that builds most of these objects.
 */

/** Log levels of the worker protocol. */
export type RpcLogLevel =
  'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';

/** Who produced a log line: the runtime ('system') or the app ('user'). */
export type RpcLogCategory = 'user' | 'system' | 'customMetric';

/** One binding of a function, keyed by its (generated) name in `FunctionMetadata.bindings`. */
export interface RpcBindingInfo {
  /** Binding type, e.g. `httpTrigger`, `timerTrigger`, `orchestrationTrigger`, `durableClient`, `http`. */
  type?: string | null;
  direction?: 'in' | 'out' | 'inout' | null;
  dataType?: string | null;
  properties?: Record<string, unknown> | null;
  /** Type-specific settings (`route`, `methods`, `authLevel`, `schedule`, `runOnStartup`, …). */
  [setting: string]: unknown;
}

/** What `registerFunction` receives: the function name, its bindings and retry policy. */
export interface FunctionMetadata {
  name: string;
  functionId?: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: unknown;
}

/** The user's handler as the library hands it over (already wrapped by durable-functions). */
export type FunctionCallback = (...args: unknown[]) => unknown;

/** HTTP request/response data as it travels over the worker protocol. */
export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  query?: Record<string, string> | null;
  params?: Record<string, string> | null;
  body?: RpcTypedData | null;
  statusCode?: string | null;
  cookies?: unknown[] | null;
  enableContentNegotiation?: boolean | null;
}

/** A value on the worker protocol; exactly one member is set. */
export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  stream?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
}

/** One input value of an invocation, addressed by binding name. */
export interface RpcParameterBinding {
  name: string;
  data?: RpcTypedData | null;
}

/** The invocation request the host sends to the worker. */
export interface RpcInvocationRequest {
  invocationId: string;
  functionId?: string;
  inputData: RpcParameterBinding[];
  triggerMetadata?: Record<string, RpcTypedData>;
}

/** What the programming model returns from `getResponse`. */
export interface RpcInvocationResponse {
  invocationId?: string | null;
  outputData?: RpcParameterBinding[] | null;
  returnValue?: RpcTypedData | null;
}

/** Which phase an invocation is in; the library warns about logs after `invocation`. */
export type InvocationState = 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';

/** The per-invocation object the worker hands to `getInvocationModel`. */
export interface CoreInvocationContext {
  invocationId: string;
  request: RpcInvocationRequest;
  metadata: FunctionMetadata;
  state?: InvocationState;
  log(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
}

/** What `getArguments` returns: the context object and the positional inputs. */
export interface InvocationArguments {
  context: unknown;
  inputs: unknown[];
}

/** Per-invocation driver created by the programming model. */
export interface InvocationModel {
  getArguments(): Promise<InvocationArguments>;
  invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

/** The programming model `@azure/functions` installs with `setProgrammingModel`. */
export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(
    coreContext: CoreInvocationContext,
  ): InvocationModel | Promise<InvocationModel>;
  getCapabilities?(capabilities: Record<string, string>): unknown;
}

/** Hook names the worker knows. */
export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';

/** Every hook receives a context object; its shape depends on the hook (see the `*HookContext` types). */
export type HookCallback = (context: unknown) => unknown;

/** Shared fields of every hook context. `hookData` is per scope, `appHookData` per app. */
export interface BaseHookContext {
  readonly hookData: Record<string, unknown>;
  readonly appHookData: Record<string, unknown>;
}

/** Context of `preInvocation` hooks; hooks may replace `inputs` and `functionCallback`. */
export interface PreInvocationHookContext extends BaseHookContext {
  readonly invocationContext: unknown;
  inputs: unknown[];
  functionCallback: FunctionCallback;
}

/** Context of `postInvocation` hooks; hooks may replace `result` and `error`. */
export interface PostInvocationHookContext extends BaseHookContext {
  readonly invocationContext: unknown;
  inputs: unknown[];
  result: unknown;
  error: unknown;
}

/** Context of `appStart` hooks. */
export interface AppStartHookContext extends BaseHookContext {
  functionAppDirectory: string;
}

/** Context of `log` hooks; hooks may change level and message of user logs. */
export interface LogHookContext extends BaseHookContext {
  readonly invocationContext?: unknown;
  readonly category: RpcLogCategory;
  level: RpcLogLevel;
  message: string;
}
