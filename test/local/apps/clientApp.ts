/**
 * A test-only app whose HTTP and timer functions drive orchestrations through the REAL durable
 * client (`df.getClient(context)`), as the Surge front doors will. Import after
 * installFunctionsCore().
 */
import { app } from '@azure/functions';
import * as df from 'durable-functions';

const durableClient = df.input.durableClient();

df.app.orchestration('approvalFlow', function* (context) {
  context.df.setCustomStatus({ stage: 'waiting', input: context.df.getInput() });
  const decision: unknown = yield context.df.waitForExternalEvent('decision');
  return { decision, input: context.df.getInput() };
});

app.http('startOrchestration', {
  route: 'orchestrators/{name}',
  methods: ['POST'],
  extraInputs: [durableClient],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const text = await request.text();
    const input: unknown = text.length > 0 ? JSON.parse(text) : undefined;
    const instanceId = await client.startNew(request.params.name ?? '', {
      input,
      ...(request.query.get('id') ? { instanceId: request.query.get('id') ?? '' } : {}),
    });
    return client.createCheckStatusResponse(request, instanceId);
  },
});

app.http('raiseDecision', {
  route: 'instances/{id}/decision',
  methods: ['POST'],
  extraInputs: [durableClient],
  handler: async (request, context) => {
    const client = df.getClient(context);
    await client.raiseEvent(request.params.id ?? '', 'decision', await request.json());
    return { status: 202 };
  },
});

app.http('instanceStatus', {
  route: 'instances/{id}',
  methods: ['GET'],
  extraInputs: [durableClient],
  handler: async (request, context) => {
    const client = df.getClient(context);
    try {
      const status = await client.getStatus(request.params.id ?? '');
      return { jsonBody: status };
    } catch (err) {
      return { status: 404, jsonBody: { error: err instanceof Error ? err.message : String(err) } };
    }
  },
});

app.timer('nightlyKick', {
  schedule: '0 0 3 * * *',
  extraInputs: [durableClient],
  handler: async (timer, context) => {
    const client = df.getClient(context);
    await client.startNew('approvalFlow', {
      instanceId: 'from-timer',
      input: { isPastDue: timer.isPastDue, adjustForDST: timer.schedule.adjustForDST },
    });
  },
});

/** One durable client call, chosen by the request body. */
interface ClientOp {
  op: string;
  id?: string;
  name?: string;
  input?: unknown;
  reason?: string;
  data?: unknown;
  showHistory?: boolean;
  runtimeStatus?: string[];
}

async function runClientOp(client: df.DurableClient, req: ClientOp): Promise<unknown> {
  const id = req.id ?? '';
  switch (req.op) {
    case 'startNew':
      return client.startNew(req.name ?? '', {
        ...(req.id ? { instanceId: req.id } : {}),
        ...(req.input !== undefined ? { input: req.input } : {}),
      });
    case 'getStatus':
      return client.getStatus(id, req.showHistory ? { showHistory: true } : {});
    case 'getStatusAll':
      return client.getStatusAll();
    case 'getStatusBy':
      return client.getStatusBy({
        runtimeStatus: (req.runtimeStatus ?? []) as df.OrchestrationRuntimeStatus[],
      });
    case 'raiseEvent':
      return client.raiseEvent(id, req.name ?? '', req.data);
    case 'terminate':
      return client.terminate(id, req.reason ?? '');
    case 'suspend':
      return client.suspend(id, req.reason ?? '');
    case 'resume':
      return client.resume(id, req.reason ?? '');
    case 'purge':
      return client.purgeInstanceHistory(id);
    case 'links':
      return client.createHttpManagementPayload(id);
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

/** Runs one DurableClient call described by the JSON body; answers `{result}` or `{error}`. */
app.http('clientOps', {
  methods: ['POST'],
  extraInputs: [durableClient],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const body = (await request.json()) as ClientOp;
    try {
      const result = await runClientOp(client, body);
      return { jsonBody: { result: result ?? null } };
    } catch (err) {
      return { status: 500, jsonBody: { error: err instanceof Error ? err.message : String(err) } };
    }
  },
});
