/**
 * Offline KQL analysis with Microsoft's own Kusto language service (Kusto.Language, compiled to
 * JavaScript: @kusto/language-service-next): parse and bind a query against the Application
 * Insights tables Surge's telemetry lands in, and return its errors. Unknown columns, functions,
 * misspelled operators and type errors are caught; what the data holds is not (that is the
 * catalog check's part, test/infra/monitoring.test.ts).
 */
import { createRequire } from 'node:module';

/**
 * The Application Insights tables the queries read, with the columns Application Insights
 * documents for them (the classic, resource-centric names the workbook and alert rules use).
 */
const TABLES: Readonly<Record<string, string>> = {
  customMetrics:
    '(timestamp:datetime, name:string, value:real, valueCount:int, valueSum:real, valueMin:real, ' +
    'valueMax:real, valueStdDev:real, customDimensions:dynamic, operation_Name:string, ' +
    'operation_Id:string, operation_ParentId:string, cloud_RoleName:string, ' +
    'cloud_RoleInstance:string, appId:string, appName:string, iKey:string, sdkVersion:string, ' +
    'itemId:string, itemType:string, itemCount:int)',
  dependencies:
    '(timestamp:datetime, id:string, target:string, type:string, name:string, data:string, ' +
    'success:string, resultCode:string, duration:real, performanceBucket:string, ' +
    'customDimensions:dynamic, customMeasurements:dynamic, operation_Name:string, ' +
    'operation_Id:string, operation_ParentId:string, cloud_RoleName:string, ' +
    'cloud_RoleInstance:string, appId:string, appName:string, iKey:string, sdkVersion:string, ' +
    'itemId:string, itemType:string, itemCount:int)',
};

/** The parts of Kusto.Language the check uses (the package's own typings are global). */
interface KustoLanguage {
  Symbols: {
    TableSymbol: { $ctor7: new (name: string, schema: string, description: string) => unknown };
    DatabaseSymbol: { ctor: new (name: string, members: unknown[]) => unknown };
  };
  GlobalState: { Default: { WithDatabase(db: unknown): unknown } };
  KustoCode: {
    ParseAndAnalyze(
      text: string,
      globals: unknown,
    ): {
      GetDiagnostics(): {
        Count: number;
        getItem(i: number): { Severity: string; Message: string; Start: number };
      };
    };
  };
}

let globals: { kusto: KustoLanguage; state: unknown } | undefined;

/** Loads the language service once (it defines the global `Kusto` and `Bridge`). */
function analyzer(): { kusto: KustoLanguage; state: unknown } {
  if (globals) return globals;
  const load = createRequire(__filename);
  load('@kusto/language-service-next/bridge.js');
  load('@kusto/language-service-next/Kusto.Language.Bridge.js');
  const kusto = (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language;
  const tables = Object.entries(TABLES).map(
    ([name, schema]) => new kusto.Symbols.TableSymbol.$ctor7(name, schema, name),
  );
  const db = new kusto.Symbols.DatabaseSymbol.ctor('appinsights', tables);
  globals = { kusto, state: kusto.GlobalState.Default.WithDatabase(db) };
  return globals;
}

/** The errors Kusto finds in a query, each with its offset; [] when it binds cleanly. */
export function kqlProblems(query: string): string[] {
  const { kusto, state } = analyzer();
  const diagnostics = kusto.KustoCode.ParseAndAnalyze(query, state).GetDiagnostics();
  const problems: string[] = [];
  for (let i = 0; i < diagnostics.Count; i++) {
    const d = diagnostics.getItem(i);
    if (d.Severity === 'Error') problems.push(`${d.Message} (at ${d.Start})`);
  }
  return problems;
}

/**
 * A workbook query as Azure Monitor runs it: the workbook's parameters replaced by values of
 * their type (a pool name, a time grain).
 */
export function withWorkbookParameters(query: string): string {
  return query.replaceAll('{Pool}', 'orders').replaceAll('{TimeRange:grain}', '5m');
}
