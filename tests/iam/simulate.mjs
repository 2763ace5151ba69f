// Evaluates AWS requests against one identity policy with @cloud-copilot/iam-simulate
// (tests/iam_check.py). stdin: {"policy", "principal", "account", "requests": [{"action",
// "resource", "context", "resourcePolicy"?, "resourceAccount"?}]}; stdout: one {"action", "resource", "result"} per request, in order.
import { runSimulation } from '@cloud-copilot/iam-simulate'

const input = JSON.parse(await new Promise((resolve) => {
  let text = ''
  process.stdin.on('data', (chunk) => { text += chunk })
  process.stdin.on('end', () => resolve(text))
}))
const results = []
for (const request of input.requests) {
  const simulation = {
    identityPolicies: [{ name: 'role', policy: input.policy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
    request: {
      principal: input.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount ?? input.account },
      contextVariables: request.context,
    },
  }
  const response = await runSimulation(simulation, {})
  const result = response.errors ? `error: ${JSON.stringify(response.errors)}` : response.result.analysis.result
  results.push({ action: request.action, resource: request.resource, result })
}
process.stdout.write(JSON.stringify(results))
