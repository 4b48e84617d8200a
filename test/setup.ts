import { installFunctionsCore } from '../local/host/functionsCore';
import { bypassProxyForLoopback } from './local/helpers';

// Every test process gets the local @azure/functions-core before any app.* call, as the real
// worker provides it: registrations are captured (not dropped in "test mode"), so app modules
// can be imported by any test and invoked through the local host.
installFunctionsCore();

// Loopback calls (the Durable client's axios) must never go through a proxy from the environment.
bypassProxyForLoopback();
