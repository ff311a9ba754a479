// Module hooks (node:module register) that append every module URL Node loads through its ES
// module loader to the file named by $CONVEYOR_MODULE_TRACE. CommonJS packages imported from ES
// modules show up by their entry file, which is all command-loading.test.ts needs.
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  const trace = process.env.CONVEYOR_MODULE_TRACE;
  if (trace) appendFileSync(trace, `${url}\n`);
  return nextLoad(url, context);
}
