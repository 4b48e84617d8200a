/**
 * The local stand-in for `@azure/functions-core`, the module the Azure Functions Node.js worker
 * builds into its process. `@azure/functions` requires it lazily on the first `app.*` call; when it
 * resolves, every registration arrives here as `registerFunction(metadata, callback)` and the
 * library installs its programming model with `setProgrammingModel`. When it does not resolve, the
 * library silently drops registrations ("test mode") — which is why this must be installed before
 * the app's first `app.*` call.
 */
import Module from 'node:module';
import type {
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  LogHookContext,
  ProgrammingModel,
  RpcBindingInfo,
  RpcLogCategory,
  RpcLogLevel,
} from './coreTypes';

/** The module id `@azure/functions` asks the worker for. */
const CORE_MODULE_ID = '@azure/functions-core';

/** Version this stand-in reports as the "worker" version. */
const LOCAL_WORKER_VERSION = '3.10.1-surge-local';

/** Version this stand-in reports as the Functions host version (v4 host, supports log hooks). */
export const LOCAL_HOST_VERSION = '4.1037.0-surge-local';

/** One log line from the runtime or the app. */
export interface LogEntry {
  readonly level: RpcLogLevel;
  readonly category: RpcLogCategory;
  readonly message: string;
  /** Set for lines written during an invocation. */
  readonly functionName?: string;
  readonly invocationId?: string;
}

/** Where log lines go. */
export type LogSink = (entry: LogEntry) => void;

const loudLevels: ReadonlySet<RpcLogLevel> = new Set(['warning', 'error', 'critical']);

/**
 * Default sink: warnings and errors to stderr, everything else dropped, so tests stay quiet but
 * real problems (an app logging an error, the library warning about un-awaited logs) still show.
 */
export const quietLogSink: LogSink = (entry) => {
  if (loudLevels.has(entry.level)) {
    const where = entry.functionName ? ` [${entry.functionName}]` : '';
    console.error(`[${entry.level}] ${entry.category}${where}: ${entry.message}`);
  }
};

/**
 * Releases something when disposed (a registration, a hook). Same contract as the worker's class:
 * the callback runs at most once.
 */
export class Disposable {
  /** One disposable that disposes all the given ones. */
  static from(...disposables: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => {
      for (const d of disposables) d.dispose();
    });
  }

  #onDispose: (() => unknown) | undefined;

  /** `onDispose` runs on the first `dispose()` call only. */
  constructor(onDispose: () => unknown) {
    this.#onDispose = onDispose;
  }

  /** Run the release callback (once). */
  dispose(): unknown {
    const cb = this.#onDispose;
    this.#onDispose = undefined;
    return cb?.();
  }
}

/** A function as the app registered it. */
export interface RegisteredFunction {
  readonly name: string;
  readonly metadata: FunctionMetadata;
  readonly callback: FunctionCallback;
}

/** A binding of a registered function together with its (generated) name. */
export interface FoundBinding {
  readonly name: string;
  readonly binding: RpcBindingInfo;
}

/** The binding-type suffix the library and host use to tell triggers from other bindings. */
function isTriggerType(type: string | null | undefined): boolean {
  return typeof type === 'string' && /trigger$/i.test(type);
}

/**
 * Everything the app registered through the core API: functions, hooks and the programming
 * model. One per process (see `installFunctionsCore`).
 *
 * Registering a function name that is already registered REPLACES the earlier registration (and
 * logs at debug level). The real worker does the same (a map keyed by function id), and it lets a
 * test re-import an app module without tripping over its own earlier registrations.
 */
export class FunctionRegistry {
  readonly #functions = new Map<string, RegisteredFunction>();
  readonly #hooks = new Map<string, HookCallback[]>();
  #programmingModel: ProgrammingModel | undefined;
  #programmingModelSets = 0;

  /** Data shared by all hooks of the app (`appHookData` of every hook context). */
  readonly appHookData: Record<string, unknown> = {};

  /** Where runtime and app logs go; replace it to see or capture them. */
  logSink: LogSink = quietLogSink;

  /** Core API `registerFunction`: remember (or replace) a function. */
  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    if (!metadata || typeof metadata.name !== 'string' || metadata.name.length === 0) {
      throw new Error('registerFunction: metadata.name must be a non-empty string');
    }
    if (typeof callback !== 'function') {
      throw new Error(`registerFunction("${metadata.name}"): callback must be a function`);
    }
    const entry: RegisteredFunction = { name: metadata.name, metadata, callback };
    if (this.#functions.has(metadata.name)) {
      this.log('debug', 'system', `Function "${metadata.name}" registered again; replacing it.`);
    }
    this.#functions.set(metadata.name, entry);
    return new Disposable(() => {
      // Only remove the entry this call created, not a later replacement.
      if (this.#functions.get(metadata.name) === entry) this.#functions.delete(metadata.name);
    });
  }

  /** Core API `registerHook`: hooks run in registration order. */
  registerHook(hookName: string, callback: HookCallback): Disposable {
    if (typeof callback !== 'function') {
      throw new Error(`registerHook("${hookName}"): callback must be a function`);
    }
    const list = this.#hooks.get(hookName) ?? [];
    list.push(callback);
    this.#hooks.set(hookName, list);
    return new Disposable(() => {
      const current = this.#hooks.get(hookName);
      const at = current?.indexOf(callback) ?? -1;
      if (current && at >= 0) current.splice(at, 1);
    });
  }

  /** Core API `setProgrammingModel`: the last one set wins, as in the worker. */
  setProgrammingModel(model: ProgrammingModel): void {
    this.#programmingModel = model;
    this.#programmingModelSets += 1;
  }

  /** Core API `getProgrammingModel`. */
  getProgrammingModel(): ProgrammingModel | undefined {
    return this.#programmingModel;
  }

  /** How many times the library called `setProgrammingModel` (once per process, normally). */
  get programmingModelSetCount(): number {
    return this.#programmingModelSets;
  }

  /** The installed programming model, or an error explaining why there is none. */
  requireProgrammingModel(): ProgrammingModel {
    if (!this.#programmingModel) {
      throw new Error(
        'No programming model: @azure/functions has not registered anything yet. Call ' +
          'installFunctionsCore() before the app makes its first app.* call.',
      );
    }
    return this.#programmingModel;
  }

  /**
   * Core API `log` (and the sink for invocation logs). Runs `log` hooks first; like the worker,
   * hooks may rewrite level and message of user logs only.
   */
  log(
    level: RpcLogLevel,
    category: RpcLogCategory,
    message: string,
    invocation?: { functionName: string; invocationId: string; invocationContext?: unknown },
  ): void {
    const hooks = this.hooks('log');
    let finalLevel = level;
    let finalMessage = message;
    if (hooks.length > 0) {
      const ctx: LogHookContext = {
        hookData: {},
        appHookData: this.appHookData,
        invocationContext: invocation?.invocationContext,
        category,
        level,
        message,
      };
      for (const hook of hooks) hook(ctx);
      if (category === 'user') {
        finalLevel = ctx.level;
        finalMessage = ctx.message;
      }
    }
    this.logSink({
      level: finalLevel,
      category,
      message: finalMessage,
      ...(invocation
        ? { functionName: invocation.functionName, invocationId: invocation.invocationId }
        : {}),
    });
  }

  /** All registered functions, in registration order. */
  list(): RegisteredFunction[] {
    return [...this.#functions.values()];
  }

  /** A registered function by name, or undefined. */
  get(name: string): RegisteredFunction | undefined {
    return this.#functions.get(name);
  }

  /** A registered function by name; throws a clear error listing what is registered. */
  require(name: string): RegisteredFunction {
    const fn = this.#functions.get(name);
    if (!fn) {
      const known = [...this.#functions.keys()].join(', ') || '(none)';
      throw new Error(`Function "${name}" is not registered. Registered: ${known}`);
    }
    return fn;
  }

  /** Callbacks of one hook, in registration order (a copy). */
  hooks(hookName: string): HookCallback[] {
    return [...(this.#hooks.get(hookName) ?? [])];
  }

  /** Forget all functions and hooks (the programming model stays: the library sets it once). */
  clear(): void {
    this.#functions.clear();
    this.#hooks.clear();
  }

  /** Run `appStart` hooks, as the worker does after loading the app's entry point. */
  async runAppStartHooks(functionAppDirectory: string): Promise<void> {
    for (const hook of this.hooks('appStart')) {
      await hook({ hookData: {}, appHookData: this.appHookData, functionAppDirectory });
    }
  }

  /** Run `appTerminate` hooks, as the worker does before shutting down. */
  async runAppTerminateHooks(): Promise<void> {
    for (const hook of this.hooks('appTerminate')) {
      await hook({ hookData: {}, appHookData: this.appHookData });
    }
  }
}

/** The trigger binding of a function (the one binding whose type ends in `Trigger`). */
export function triggerBinding(fn: RegisteredFunction): FoundBinding {
  for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
    if (isTriggerType(binding.type)) return { name, binding };
  }
  throw new Error(`Function "${fn.name}" has no trigger binding`);
}

/**
 * The bindings of a function with the given type (case-insensitive), in declaration order. Binding
 * names are generated hashes (`httpTrigger6cf4…`), so callers look bindings up by type.
 */
export function bindingsOfType(fn: RegisteredFunction, type: string): FoundBinding[] {
  const wanted = type.toLowerCase();
  return Object.entries(fn.metadata.bindings)
    .filter(([, b]) => typeof b.type === 'string' && b.type.toLowerCase() === wanted)
    .map(([name, binding]) => ({ name, binding }));
}

/** The first binding of a function with the given type, or undefined. */
export function findBinding(fn: RegisteredFunction, type: string): FoundBinding | undefined {
  return bindingsOfType(fn, type)[0];
}

/** Functions whose trigger has the given type (e.g. all `orchestrationTrigger` functions). */
export function functionsWithTrigger(
  registry: FunctionRegistry,
  type: string,
): RegisteredFunction[] {
  const wanted = type.toLowerCase();
  return registry
    .list()
    .filter((fn) => (triggerBinding(fn).binding.type ?? '').toLowerCase() === wanted);
}

/** The object `require('@azure/functions-core')` returns. */
export interface CoreApi {
  readonly version: string;
  readonly hostVersion: string;
  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable;
  registerHook(hookName: string, callback: HookCallback): Disposable;
  setProgrammingModel(model: ProgrammingModel): void;
  getProgrammingModel(): ProgrammingModel | undefined;
  log(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
  readonly Disposable: typeof Disposable;
}

function createCoreApi(registry: FunctionRegistry): CoreApi {
  return {
    version: LOCAL_WORKER_VERSION,
    hostVersion: LOCAL_HOST_VERSION,
    registerFunction: (metadata, callback) => registry.registerFunction(metadata, callback),
    registerHook: (hookName, callback) => registry.registerHook(hookName, callback),
    setProgrammingModel: (model) => registry.setProgrammingModel(model),
    getProgrammingModel: () => registry.getProgrammingModel(),
    log: (level, category, message) => registry.log(level, category, message),
    Disposable,
  };
}

/** Process-wide state, kept on globalThis so a re-evaluated copy of this module finds it. */
interface InstalledCore {
  readonly registry: FunctionRegistry;
  readonly coreApi: CoreApi;
}

const GLOBAL_KEY = Symbol.for('surge.local.functionsCore');

/**
 * `Module._load` is Node's internal CommonJS loader entry. It is not in @types/node, so we
 * describe the one member we patch. Patching `_load` (rather than `Module.prototype.require`, as
 * the worker does) also catches `createRequire(...)` callers; both end up here.
 */
type LoadFn = (request: string, parent: unknown, isMain: boolean) => unknown;
interface ModuleInternals {
  _load: LoadFn;
}

function globalSlot(): { [GLOBAL_KEY]?: InstalledCore } {
  return globalThis as { [GLOBAL_KEY]?: InstalledCore };
}

/**
 * Make `require('@azure/functions-core')` resolve to the local core API and return the registry
 * behind it. Idempotent and process-wide: every call returns the same registry.
 *
 * Call it before the app's first `app.*` call: `@azure/functions` resolves the core module once,
 * lazily, and caches a failure ("test mode") for the life of the process.
 */
export function installFunctionsCore(): FunctionRegistry {
  const slot = globalSlot();
  const existing = slot[GLOBAL_KEY];
  if (existing) return existing.registry;

  const registry = new FunctionRegistry();
  const coreApi = createCoreApi(registry);
  const internals = Module as unknown as ModuleInternals;
  const originalLoad = internals._load;
  internals._load = function patchedLoad(this: unknown, request, parent, isMain) {
    if (request === CORE_MODULE_ID) return coreApi;
    return originalLoad.call(this, request, parent, isMain);
  };
  slot[GLOBAL_KEY] = { registry, coreApi };
  return registry;
}
